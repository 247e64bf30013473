using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

public class BucketBatchTests
{
    [Fact]
    public void Load_ThreeIdsOneMissing_StacksInOrderAndListsSkip()
    {
        using var fixture = new ShardFixture();
        fixture.WriteFile("1.png", ShardFixture.Png(new Image<Rgba32>(64, 64, new Rgba32(255, 255, 255))));
        fixture.WriteFile("3.png", ShardFixture.Png(new Image<Rgba32>(64, 64, new Rgba32(0, 0, 0))));
        fixture.WriteFile("4.png", ShardFixture.Png(new Image<Rgba32>(192, 64, new Rgba32(0, 0, 0))));
        using var loader = new BucketImageLoader(new BucketConfig { Resolution = 128, MinSide = 64, MaxSide = 256 }, new FolderImageSource(fixture.Folder));

        var batch = BucketBatch.Load(loader, new BucketSize(128, 128), [1, 2, 3, 4]);

        Assert.Equal([1L, 3L], batch.Ids);
        Assert.Equal([2, 3, 128, 128], batch.Shape);
        Assert.Equal(2 * 3 * 128 * 128, batch.Pixels.Length);
        Assert.Equal(1f, batch.Pixels[0]);
        Assert.Equal(-1f, batch.Pixels[3 * 128 * 128]);
        Assert.Equal([(2L, SkipReason.Missing), (4L, SkipReason.WrongBucket)], batch.Skipped.Select(s => (s.Id, s.Reason)));
        Assert.Equal(new SdxlSizeMetadata(64, 64, 0, 0, 128, 128), batch.Sizes[0]);
    }
}
