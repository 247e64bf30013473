using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

public class BucketPreviewTests
{
    [Fact]
    public void ToImage_AfterToChw_SamePixels()
    {
        using var source = new Image<Rgb24>(3, 2);
        source[0, 0] = new Rgb24(0, 128, 255);
        source[2, 1] = new Rgb24(17, 200, 3);
        var processed = new ProcessedImage(1, BucketCrop.ToChw(source), new BucketChoice(new BucketSize(3, 2), 3, 2, 0), 0, 0, default);

        using var back = BucketPreview.ToImage(processed);

        Assert.Equal(new Rgb24(0, 128, 255), back[0, 0]);
        Assert.Equal(new Rgb24(17, 200, 3), back[2, 1]);
    }

    [Fact]
    public void WriteCrops_TwoBuckets_OnePngPerBucketFirstWithCaption()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("1.png", ShardFixture.Png(new Image<Rgba32>(64, 64, new Rgba32(255, 0, 0))));
        fixture.WriteFile("2.png", ShardFixture.Png(new Image<Rgba32>(64, 64, new Rgba32(0, 255, 0))));
        fixture.WriteFile("3.png", ShardFixture.Png(new Image<Rgba32>(192, 64, new Rgba32(0, 0, 255))));
        var config = new BucketConfig { Resolution = 128, MinSide = 64, MaxSide = 256 };
        using var loader = new BucketImageLoader(config, new FolderImageSource(fixture.Folder));
        var buckets = BucketAssigner.Assign(loader, [1, 2, 3]);

        var crops = BucketPreview.WriteCrops(loader, buckets, new Dictionary<long, string> { [3] = "blue" }, Path.Combine(fixture.Folder, "crops"), count: 2);

        Assert.Equal([1L, 3L], crops.Select(c => c.Id));
        Assert.Equal("3 · 192x64 · blue", crops[1].Label);
        using var png = Image.Load<Rgb24>(crops[1].Path);
        Assert.Equal((192, 64, new Rgb24(0, 0, 255)), (png.Width, png.Height, png[5, 5]));
        var small = BucketPreview.WriteCrops(loader, buckets, new Dictionary<long, string>(), Path.Combine(fixture.Folder, "small"), count: 2, maxSide: 96);
        using var thumbnail = Image.Load<Rgb24>(small[1].Path);
        Assert.Equal((96, 32), (thumbnail.Width, thumbnail.Height));
    }
}
