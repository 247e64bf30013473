using Kohaku.Data.Images;
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
}
