using Kohaku.Data.Images;
using Kohaku.Samples.Images;

namespace Kohaku.Data.Tests.Images.Sample;

public class SampleImageShardsTests
{
    [Fact]
    public void Write_20PostsDefectEvery3_ShardLayoutAndEveryDefectSkippedWithItsReason()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kohaku-sample-" + Guid.NewGuid().ToString("N"));
        var posts = Enumerable.Range(0, 20).Select(i => new SamplePost(1000 + 7 * i, 120 + i, 100, ["circle", "red_theme"]))
            .Append(new SamplePost(1005, 100, 100, ["circle"], HasImage: false)).ToList();
        try
        {
            var result = SampleImageShards.Write(folder, posts, defectEvery: 3);

            Assert.Equal(5, result.Defects.Count);
            Assert.Equal(15, result.Pictures);
            Assert.Equal(1, result.NoImage);
            Assert.Equal(Enum.GetValues<SampleDefect>(), result.Defects.Values.Distinct().Order());
            Assert.True(File.Exists(Path.Combine(folder, $"data-0{1000 % 1000:D3}.tar")));
            Assert.True(File.Exists(Path.Combine(folder, $"data-1{(1000 + 7 * 18) % 1000:D3}.tar")));

            using var loader = new BucketImageLoader(new BucketConfig { Resolution = 256, MinSide = 64, MaxSide = 1024 }, new TarShardSource(folder), ownsSource: true);
            var reasons = result.Defects.DistinctBy(d => d.Value).ToDictionary(d => d.Value, d => { loader.TryLoad(d.Key, out _, out var s); return s!.Reason; });
            Assert.Equal(SkipReason.Corrupt, reasons[SampleDefect.Truncated]);
            Assert.Equal(SkipReason.Empty, reasons[SampleDefect.Empty]);
            Assert.Equal(SkipReason.UnknownFormat, reasons[SampleDefect.Garbage]);
            Assert.Equal(SkipReason.Corrupt, reasons[SampleDefect.ZeroSize]);
            Assert.Equal(SkipReason.Missing, reasons[SampleDefect.Missing]);
            Assert.False(loader.TryLoad(1005, out _, out var noImage));
            Assert.Equal(SkipReason.Missing, noImage!.Reason);
            Assert.True(loader.TryLoad(1000, out var first, out _));
            Assert.Equal((213, 256), (first!.Size.OriginalHeight, first.Size.OriginalWidth));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CommittedSample_EveryPostWithAnImageFoundInItsShard_ExceptPlantedMissing()
    {
        var db = SamplePostReaderTests.SampleDb();
        var posts = SamplePostReader.Read(db);
        using var source = new TarShardSource(Path.Combine(Path.GetDirectoryName(db)!, "images"));

        var notFound = posts.Where(p => p.HasImage && source.Find(p.Id) is null).ToList();
        var withoutImage = posts.Where(p => !p.HasImage).ToList();

        Assert.Equal(3, notFound.Count);
        Assert.All(withoutImage, p => Assert.Null(source.Find(p.Id)));
        var sample = posts.First(p => p.HasImage && p.Id > 7_000_000 && source.Find(p.Id) is { Data.Length: > 100 });
        Assert.StartsWith("data-1", source.Find(sample.Id)!.Origin);
    }
}
