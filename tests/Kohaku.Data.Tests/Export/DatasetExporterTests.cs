using System.Formats.Tar;
using System.Text;
using Kohaku.Data.Export;
using Kohaku.Data.Images;

namespace Kohaku.Data.Tests.Export;

public class DatasetExporterTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "kohaku-export-" + Guid.NewGuid().ToString("N"));
    private readonly FakeSource source = new();

    public DatasetExporterTests() => Directory.CreateDirectory(root);

    private sealed class FakeSource : IImageSource
    {
        public readonly Dictionary<long, byte[]> Files = [];
        public int Reads;

        public ImageBytes? Find(long id)
        {
            Interlocked.Increment(ref Reads);
            return Files.TryGetValue(id, out var data) ? new ImageBytes(id, "webp", data, $"fake:{id}") : null;
        }
    }

    private DatasetExportConfig Config(bool tar = false, params long[] ids)
    {
        var captions = Path.Combine(root, "captions.jsonl");
        File.WriteAllLines(captions, ids.Select(id => $"{{\"id\":{id},\"caption\":\"tag{id}, é\"}}"));
        return new DatasetExportConfig { Images = ["unused"], Captions = captions, Out = Path.Combine(root, "out"), Tar = tar };
    }

    [Fact]
    public void Export_Files_BytesUnchangedCaptionWithoutNewline()
    {
        source.Files[1] = Png(1);
        source.Files[2] = [];

        var report = DatasetExporter.Export(Config(false, 1, 2, 3), source);

        var dir = Path.Combine(root, "out");
        Assert.Equal(Png(1), File.ReadAllBytes(Path.Combine(dir, "1.webp")));
        Assert.Equal(Encoding.UTF8.GetBytes("tag1, é"), File.ReadAllBytes(Path.Combine(dir, "1.txt")));
        Assert.Equal(1, report.Written);
        Assert.Equal([(2L, SkipReason.Empty), (3L, SkipReason.Missing)], report.Skipped.Select(s => (s.Id, s.Reason)));
        Assert.False(File.Exists(Path.Combine(dir, "2.webp")));
    }

    [Fact]
    public void Export_RerunAfterInterruption_CompletesWithoutRewriting()
    {
        for (long id = 1; id <= 6; id++) source.Files[id] = Png((int)id);
        var config = Config(false, 1, 2, 3, 4, 5, 6);
        using var cancel = new CancellationTokenSource();
        var stopAfterThree = new Progress(p => { if (p.Done == 3) cancel.Cancel(); });

        Assert.ThrowsAny<OperationCanceledException>(() => DatasetExporter.Export(config, source, stopAfterThree, cancel.Token));
        // A killed run also leaves a half-written temporary behind (pid above Linux's pid_max: never running).
        File.WriteAllBytes(Path.Combine(config.Out, ".4.webp.2147483000.0123456789abcdef0123456789abcdef.tmp"), [4]);
        var firstWrite = File.GetLastWriteTimeUtc(Path.Combine(config.Out, "1.webp"));
        source.Reads = 0;

        var report = DatasetExporter.Export(config, source);

        Assert.Equal((3, 3), (report.Written, report.AlreadyComplete));
        Assert.Equal(3, source.Reads);
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(Path.Combine(config.Out, "1.webp")));
        Assert.Equal(12, Directory.GetFiles(config.Out).Length);
        Assert.Equal(Png(6), File.ReadAllBytes(Path.Combine(config.Out, "6.webp")));
    }

    [Fact]
    public void Export_Tar_WebdatasetPairsInCaptionOrder()
    {
        source.Files[20] = Png(20);
        source.Files[10] = Png(10);

        var report = DatasetExporter.Export(Config(true, 20, 10, 30), source);

        var members = ReadTar(Path.Combine(root, "out", DatasetExporter.TarName));
        Assert.Equal(["20.webp", "20.txt", "10.webp", "10.txt"], members.Select(m => m.Name));
        Assert.Equal(Png(20), members[0].Data);
        Assert.Equal("tag10, é", Encoding.UTF8.GetString(members[3].Data));
        Assert.Equal(2, report.Written);
        Assert.Single(report.Skipped);
    }

    [Fact]
    public void Export_TarInterrupted_NoTarUntilRerunCompletes()
    {
        for (long id = 1; id <= 4; id++) source.Files[id] = Png((int)id);
        var config = Config(true, 1, 2, 3, 4);
        using var cancel = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => DatasetExporter.Export(config, source, new Progress(p => { if (p.Done == 2) cancel.Cancel(); }), cancel.Token));
        Assert.Empty(Directory.GetFiles(config.Out));

        var report = DatasetExporter.Export(config, source);
        var again = DatasetExporter.Export(config, source);

        Assert.Equal(8, ReadTar(Path.Combine(config.Out, DatasetExporter.TarName)).Count);
        Assert.Equal((4, 0), (report.Written, report.AlreadyComplete));
        Assert.Equal((0, 4), (again.Written, again.AlreadyComplete));
    }

    [Fact]
    public void Export_UndecodableOrCutBytes_SkippedWithTheReasonNotCopied()
    {
        source.Files[1] = Png(1);
        source.Files[2] = "not an image"u8.ToArray();
        source.Files[3] = Png(3)[..^12];

        var report = DatasetExporter.Export(Config(false, 1, 2, 3), source);

        Assert.Equal(1, report.Written);
        Assert.Equal([(2L, SkipReason.UnknownFormat), (3L, SkipReason.Corrupt)], report.Skipped.Select(s => (s.Id, s.Reason)));
        Assert.Contains("fake:3", report.Skipped[1].Detail);
        Assert.Equal(["1.txt", "1.webp"], Directory.GetFiles(Path.Combine(root, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    // A small valid PNG whose size and colour depend on the seed, so every post's bytes differ.
    private static byte[] Png(int seed)
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(1 + seed % 5, 2, new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)seed, 7, 9));
        using var bytes = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, bytes);
        return bytes.ToArray();
    }

    private static List<(string Name, byte[] Data)> ReadTar(string path)
    {
        using var reader = new TarReader(File.OpenRead(path));
        var members = new List<(string, byte[])>();
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            members.Add((entry.Name, data.ToArray()));
        }
        return members;
    }

    // Synchronous IProgress, so the cancellation lands at a known item.
    private sealed class Progress(Action<StageProgress> report) : IProgress<StageProgress>
    {
        public void Report(StageProgress value) => report(value);
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
