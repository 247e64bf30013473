using Kohaku.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Kohaku.Data.Tests.Images;

public class BucketAssignerTests
{
    [Fact]
    public void Assign_MixedInputs_AssignsGoodSkipsBadWithReasonsAndRoundTrips()
    {
        using var fixture = new ShardFixture();
        using var tall = new Image<Rgba32>(1000, 1500, new Rgba32(9, 9, 9));
        var good = ShardFixture.Png(tall);
        var webp = ShardFixture.Webp(192, 108, new Rgba32(1, 2, 3), lossless: false);
        fixture.WriteTar("data-0001.tar", ("1.png", good), ("1001.webp", []), ("2001.webp", webp[..(webp.Length - 10)]));
        fixture.WriteTar("data-0002.tar", ("2.webp", webp), ("1002.webp", [.. "not an image at all"u8]));
        using var loader = new BucketImageLoader(new BucketConfig(), new TarShardSource(fixture.Folder), ownsSource: true);

        var result = BucketAssigner.Assign(loader, [1, 2, 1001, 1002, 2001, 3001]);

        Assert.Equal([1L, 2L], result.Images.Select(i => i.Id));
        var first = result.Images[0];
        Assert.Equal([832, 1216], first.Bucket);
        Assert.Equal([832, 1248], first.Resized);
        Assert.Equal([1500, 1000], first.OriginalSizeHw);
        Assert.Equal([0, 10], first.CropTopLeft);
        Assert.Equal([1216, 832], first.TargetSizeHw);
        Assert.Equal([(1001L, SkipReason.Empty), (1002L, SkipReason.UnknownFormat), (2001L, SkipReason.Corrupt), (3001L, SkipReason.Missing)],
            result.Skipped.Select(s => (s.Id, s.Reason)));
        Assert.Equal([new BucketCount(832, 1216, 1), new BucketCount(1344, 768, 1)], result.Buckets);

        var path = Path.Combine(fixture.Folder, "out", BucketsFile.FileName);
        result.Write(path);
        var read = BucketsFile.Read(path);
        Assert.Equal(result.Buckets, read.Buckets);
        Assert.Equal(result.Skipped, read.Skipped);
        Assert.Equal(first.CropTopLeft, read.Images[0].CropTopLeft);
        Assert.True(File.Exists(Path.Combine(fixture.Folder, "out", BucketsFile.SkippedFileName)));
    }

    [Fact]
    public void ReadIds_BadLine_ThrowsNamingLine()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "# selection\n12\n\n13x\n");

        var e = Assert.Throws<InvalidDataException>(() => BucketAssigner.ReadIds(path));

        Assert.Contains($"{path}:4", e.Message);
        File.Delete(path);
    }
}
