using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class BucketResolutionsTests
{
    // kohya-sdxl sheet §1.2: for each short side, the long sides it pairs with (then every transpose, plus 1024²).
    private static readonly (int Short, int[] Long)[] KohakuShortSides =
    [
        (256, Range(3328, 4096)), (320, Range(2752, 3264)), (384, Range(2368, 2688)), (448, Range(2112, 2304)),
        (512, [1856, 1920, 1984, 2048]), (576, [1664, 1728, 1792]), (640, [1536, 1600]), (704, [1408, 1472]),
        (768, [1280, 1344]), (832, [1216]), (896, [1152]), (960, [1088]),
    ];

    private static int[] Range(int from, int to) => [.. Enumerable.Range(0, (to - from) / 64 + 1).Select(i => from + 64 * i)];

    [Fact]
    public void Make_KohakuDeltaSettings_Returns97SheetBuckets()
    {
        var expected = KohakuShortSides
            .SelectMany(s => s.Long.SelectMany(l => new[] { new BucketSize(s.Short, l), new BucketSize(l, s.Short) }))
            .Append(new BucketSize(1024, 1024))
            .Order()
            .ToList();

        var buckets = BucketResolutions.Make(1024, 256, 4096, 64);

        Assert.Equal(97, buckets.Count);
        Assert.Equal(expected, buckets);
    }

    [Fact]
    public void Make_KohakuDeltaSettings_SortedByWidthThenHeight()
    {
        var buckets = BucketResolutions.Make(1024, 256, 4096, 64);

        Assert.Equal(new BucketSize(256, 3328), buckets[0]);
        Assert.Equal(new BucketSize(4096, 256), buckets[^1]);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.CompareTo(p.Second) < 0));
    }

    [Fact]
    public void Make_Max2048_Returns41Buckets()
    {
        Assert.Equal(41, BucketResolutions.Make(1024, 256, 2048, 64).Count);
    }

    [Fact]
    public void Make_AnyBucket_AreaAtMostBaseAndSidesOnSteps()
    {
        var buckets = BucketResolutions.Make(1024, 256, 4096, 64);

        Assert.All(buckets, b =>
        {
            Assert.True((long)b.Width * b.Height <= 1024 * 1024, b.ToString());
            Assert.Equal(0, b.Width % 64);
            Assert.Equal(0, b.Height % 64);
            Assert.InRange(Math.Min(b.Width, b.Height), 256, 4096);
        });
    }

    [Theory]
    [InlineData(250, 4100, 64, 192, 4160)]
    [InlineData(256, 4096, 64, 256, 4096)]
    public void AdjustToSteps_OffStep_FloorsMinCeilsMax(int min, int max, int step, int expectedMin, int expectedMax)
    {
        Assert.Equal((expectedMin, expectedMax), BucketResolutions.AdjustToSteps(min, max, step));
    }
}
