using Kohaku.Diffusion.SafeTensors;
using System.Diagnostics;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// How fast checkpoints come off a warm page cache: an F16 file with SDXL-like tensor shapes is
// written once into the work dir, read fully once to warm the cache, then timed on a second
// pass, tensor by tensor, as the model loader reads it. The reference is a plain buffered read
// of the same file in the same run (the page-cache copy rate this machine allows).
public sealed class SafeTensorsBench : IStageBench
{
    private static readonly long[][] Shapes = [[1280, 1280], [5120, 1280], [640, 640, 3, 3], [1280], [2048, 1280], [320, 320, 3, 3]];

    public string Stage => "models";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var targetBytes = options.Quick ? 100_000_000L : 1_500_000_000L;
        var path = Path.Combine(options.WorkDir, $"safetensors-read-{targetBytes / 1_000_000}MB.safetensors");
        if (!File.Exists(path))
        {
            log.WriteLine($"models: writing {targetBytes / 1e9:F1} GB F16 test file {path}");
            SafeTensorsWriter.Write(path, Entries(targetBytes));
        }
        using var file = SafeTensorsFile.Open(path);
        var bytes = file.Tensors.Sum(t => t.ByteCount);

        ReadAll(file, null, cancel);                                  // warm the page cache
        var stored = ReadAll(file, null, cancel);
        var converted = ReadAll(file, ScalarType.Float32, cancel);
        var reference = PlainRead(path, cancel);
        var gb = bytes / 1e9;
        log.WriteLine($"models: {file.Tensors.Count} tensors, {gb:F2} GB; stored {stored:F2} s, to F32 {converted:F2} s, plain read {reference:F2} s");
        return
        [
            new BenchRow(Stage, $"safetensors read, warm cache, F16 as stored ({file.Tensors.Count} tensors, {gb:F2} GB)",
                $"{gb / stored:F2} GB/s", "≥ 2 GB/s", $"plain file read {new FileInfo(path).Length / 1e9 / reference:F2} GB/s"),
            new BenchRow(Stage, "safetensors read + F16→F32 conversion, warm cache", $"{gb / converted:F2} GB/s (F16 bytes)", "", ""),
        ];
    }

    private static IEnumerable<SafeTensorEntry> Entries(long targetBytes)
    {
        long written = 0;
        for (var i = 0; written < targetBytes; i++)
        {
            var shape = Shapes[i % Shapes.Length];
            var entry = new SafeTensorEntry($"block.{i / Shapes.Length:D4}.w{i % Shapes.Length}", SafeDType.F16, shape,
                () => Scalars.Full(shape, 0.5, ScalarType.Float16));
            written += entry.ByteCount;
            yield return entry;
        }
    }

    private static double ReadAll(SafeTensorsFile file, ScalarType? dtype, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        foreach (var info in file.Tensors)
        {
            cancel.ThrowIfCancellationRequested();
            file.Load(info.Name, dtype).Dispose();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double PlainRead(string path, CancellationToken cancel)
    {
        var buffer = new byte[16 << 20];
        var clock = Stopwatch.StartNew();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        while (stream.Read(buffer) > 0)
            cancel.ThrowIfCancellationRequested();
        return clock.Elapsed.TotalSeconds;
    }
}
