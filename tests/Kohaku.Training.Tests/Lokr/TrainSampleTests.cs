using Kohaku.Data.Images;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;

namespace Kohaku.Training.Tests.Lokr;

public class TrainSampleTests
{
    private static BucketAssignment Image(long id, int w, int h) => new(id, [w, h], [w, h + 16], [1500, 1000], [0, 10], [h, w], 0.01);

    private static readonly BucketsFile Buckets = BucketsFile.From(new BucketConfig(), [Image(1, 832, 1216), Image(2, 1024, 1024), Image(3, 832, 1216), Image(4, 1024, 1024)], []);

    [Fact]
    public void Join_ImageWithoutCaption_IsLeftOutWithAWarning()
    {
        var warnings = new List<string>();
        var samples = TrainSample.Join(Buckets, [(1, "a"), (2, "b"), (4, "d")], warnings.Add);
        Assert.Equal([1L, 2, 4], samples.Select(s => s.Id));
        Assert.Contains("3", Assert.Single(warnings));
    }

    [Fact]
    public void GroupByBucket_TwoResolutions_GroupsIndicesByBucketInWidthOrder()
    {
        var samples = TrainSample.Join(Buckets, [(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        var groups = TrainSample.GroupByBucket(samples);
        Assert.Equal(2, groups.Count);
        Assert.Equal([0, 2], groups[0]);
        Assert.Equal([1, 3], groups[1]);
    }

    [Fact]
    public void Size_BucketLine_IsHeightWidthTopLeftOrder()
    {
        var s = TrainSample.Join(Buckets, [(1, "a")])[0];
        Assert.Equal([1500, 1000, 0, 10, 1216, 832], s.Size.Values);
    }

    private static IReadOnlyList<TrainSample> Many(int n) =>
        Enumerable.Range(1, n).Select(i => new TrainSample(1000 + i * 7, $"c{i}", Image(1000 + i * 7, 1024, 1024))).ToList();

    // validationCount picks by validationSeed alone: the same posts whatever the order of the images
    // and the run's seed; another validationSeed picks others; the rest are trained.
    [Fact]
    public void HoldOut_Count_PicksByValidationSeedOnly()
    {
        var samples = Many(40);
        var config = new TrainConfig { ValidationCount = 5 };
        var (train, held) = TrainSample.HoldOut(samples, config);
        Assert.Equal(5, held.Count);
        Assert.Equal(35, train.Count);
        Assert.Empty(train.Select(s => s.Id).Intersect(held.Select(s => s.Id)));
        Assert.Equal(held.Select(s => s.Id).Order(), TrainSample.HoldOut(samples.Reverse().ToList(), config with { Seed = 99 }).HeldOut.Select(s => s.Id).Order());
        Assert.NotEqual(held.Select(s => s.Id).Order(), TrainSample.HoldOut(samples, config with { ValidationSeed = 1 }).HeldOut.Select(s => s.Id).Order());
    }

    [Fact]
    public void HoldOut_UnknownIdOrNothingLeft_IsOneLineNamingTheField()
    {
        var samples = Many(3);
        var unknown = Assert.Throws<ArgumentException>(() => TrainSample.HoldOut(samples, new TrainConfig { ValidationIds = [1007, 5] }));
        Assert.Equal("train.validationIds: post 5 is not among the 3 bucketed, captioned images", unknown.Message);
        var all = Assert.Throws<ArgumentException>(() => TrainSample.HoldOut(samples, new TrainConfig { ValidationCount = 3 }));
        Assert.Equal("train.validationCount: holding out 3 of 3 images leaves none to train on", all.Message);
    }
}
