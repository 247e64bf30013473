using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

public class BucketImageLoaderTests
{
    private static byte[] PngOf(int width, int height, Rgba32 color)
    {
        using var image = new Image<Rgba32>(width, height, color);
        return ShardFixture.Png(image);
    }

    [Fact]
    public void Load_SheetExample1000x1500_BucketCutAndSdxlMetadata()
    {
        using var fixture = new ShardFixture();
        fixture.WriteTar("data-0321.tar", ("4321.png", PngOf(1000, 1500, new Rgba32(255, 0, 0))));
        using var loader = new BucketImageLoader(new BucketConfig(), new TarShardSource(fixture.Folder), ownsSource: true);

        var image = loader.Load(4321);

        Assert.Equal([3, 1216, 832], image.Shape);
        Assert.Equal(3 * 1216 * 832, image.Pixels.Length);
        Assert.Equal((0, 16), (image.CutLeft, image.CutTop));
        Assert.Equal(new SdxlSizeMetadata(1500, 1000, 0, 10, 1216, 832), image.Size);
        Assert.Equal(1f, image.Pixels[0]);
        Assert.Equal(-1f, image.Pixels[1216 * 832 + 5]);
    }

    [Fact]
    public void Load_RandomCrop_SameSeedSameCutOtherEpochVaries()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("9.png", PngOf(310, 100, new Rgba32(0, 0, 0)));
        var config = new BucketConfig { Resolution = 256, MinSide = 64, MaxSide = 1024, RandomCrop = true, Seed = 3 };
        using var loader = new BucketImageLoader(config, new FolderImageSource(fixture.Folder));

        var first = loader.Load(9);
        var again = loader.Load(9);
        var cuts = Enumerable.Range(0, 20).Select(e => loader.Load(9, epoch: e).CutLeft).ToHashSet();

        Assert.Equal(first.CutLeft, again.CutLeft);
        Assert.True(cuts.Count > 1);
        Assert.All(cuts, c => Assert.InRange(c, 0, first.Choice.ResizedWidth - first.Width));
    }

    [Fact]
    public void TryLoad_MissingAndEmpty_SkippedWithReasons()
    {
        using var fixture = new ShardFixture();
        fixture.WriteTar("data-0001.tar", ("1001.webp", []));
        using var loader = new BucketImageLoader(new BucketConfig(), new TarShardSource(fixture.Folder), ownsSource: true);

        Assert.False(loader.TryLoad(1001, out _, out var empty));
        Assert.False(loader.TryLoad(2001, out _, out var missing));

        Assert.Equal(SkipReason.Empty, empty!.Reason);
        Assert.Equal(SkipReason.Missing, missing!.Reason);
    }

    [Fact]
    public void Load_NoUpscaleImageUnderOneStep_SkippedTooSmall()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("4.png", PngOf(40, 200, new Rgba32(0, 0, 0)));
        using var loader = new BucketImageLoader(new BucketConfig { NoUpscale = true }, new FolderImageSource(fixture.Folder));

        var e = Assert.Throws<ImageSkippedException>(() => loader.Load(4));

        Assert.Equal(SkipReason.TooSmall, e.Skipped.Reason);
    }
}
