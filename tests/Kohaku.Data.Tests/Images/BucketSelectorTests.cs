using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class BucketSelectorTests
{
    private static readonly BucketSelector Kohaku = new(new BucketConfig());

    [Fact]
    public void Select_SheetExample1000x1500_Bucket832x1216Resized832x1248()
    {
        var choice = Kohaku.Select(1000, 1500);

        Assert.Equal(new BucketSize(832, 1216), choice.Bucket);
        Assert.Equal((832, 1248), (choice.ResizedWidth, choice.ResizedHeight));
        Assert.Equal(832.0 / 1216 - 1000.0 / 1500, choice.AspectError, 12);
    }

    [Theory]
    // square → 1024², upscaled; wide 16:9 → nearest ratio 1344/768 = 1.75; exact bucket kept as is.
    [InlineData(512, 512, 1024, 1024, 1024, 1024)]
    [InlineData(1920, 1080, 1344, 768, 1365, 768)]
    [InlineData(832, 1216, 832, 1216, 832, 1216)]
    [InlineData(300, 5000, 256, 4096, 256, 4267)]
    public void Select_Upscale_NearestAspectAndCoverSize(int w, int h, int bw, int bh, int rw, int rh)
    {
        var choice = Kohaku.Select(w, h);

        Assert.Equal(new BucketSize(bw, bh), choice.Bucket);
        Assert.Equal((rw, rh), (choice.ResizedWidth, choice.ResizedHeight));
    }

    [Fact]
    public void Select_Upscale_ResizedCoversBucket()
    {
        for (int w = 200; w <= 3000; w += 137)
            for (int h = 200; h <= 3000; h += 151)
            {
                var c = Kohaku.Select(w, h);
                Assert.True(c.ResizedWidth >= c.Bucket.Width && c.ResizedHeight >= c.Bucket.Height, $"{w}x{h} → {c}");
                Assert.True(c.ResizedWidth == c.Bucket.Width || c.ResizedHeight == c.Bucket.Height, $"{w}x{h} → {c}");
            }
    }

    [Theory]
    // small image: no resize, bucket floored to 64; large image: shrunk to about 1024² then floored.
    [InlineData(500, 700, 500, 700, 448, 640)]
    [InlineData(2000, 3000, 832, 1248, 832, 1216)]
    [InlineData(4000, 1000, 2048, 512, 2048, 512)]
    public void Select_NoUpscale_ShrinksOnlyAndFloorsToSteps(int w, int h, int rw, int rh, int bw, int bh)
    {
        var selector = new BucketSelector(new BucketConfig { NoUpscale = true });

        var choice = selector.Select(w, h);

        Assert.Equal((rw, rh), (choice.ResizedWidth, choice.ResizedHeight));
        Assert.Equal(new BucketSize(bw, bh), choice.Bucket);
    }

    [Fact]
    public void Select_ZeroSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Kohaku.Select(0, 100));
    }
}
