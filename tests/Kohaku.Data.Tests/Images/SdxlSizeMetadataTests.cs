using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Images;

public class SdxlSizeMetadataTests
{
    [Fact]
    public void For_SheetExample1000x1500_CropTop0Left10()
    {
        var meta = SdxlSizeMetadata.For(new BucketSize(832, 1216), 1000, 1500);

        Assert.Equal(new SdxlSizeMetadata(1500, 1000, 0, 10, 1216, 832), meta);
    }

    [Fact]
    public void For_Issue1443Example512x4096InBucket512x2048_Left128Top0()
    {
        var meta = SdxlSizeMetadata.For(new BucketSize(512, 2048), 512, 4096);

        Assert.Equal((0, 128), (meta.CropTop, meta.CropLeft));
    }

    [Fact]
    public void For_WideImageInTallerBucket_CropTopFromLetterbox()
    {
        // 1920×1080 in 1344×768: fitted 1344×756, top = floor(12 / 2) = 6.
        var meta = SdxlSizeMetadata.For(new BucketSize(1344, 768), 1920, 1080);

        Assert.Equal(new SdxlSizeMetadata(1080, 1920, 6, 0, 768, 1344), meta);
    }
}
