using Kohaku.Diffusion.Merge;
using System.Diagnostics;
using System.Globalization;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// `kohaku bench merge`: a 0.5/0.5 merge of two synthetic checkpoints with the real SDXL key layout
// (fp16, ≈6.9 GB each; tiny layout with --quick), timed against `cp` of one input in the same run,
// with the peak resident set of the merge alone (VmHWM reset through /proc/self/clear_refs).
public sealed class MergeBench : IStageBench
{
    public string Stage => "merge";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var config = options.Quick ? SdxlConfig.Tiny : SdxlConfig.Sdxl;
        var dir = Path.Combine(options.WorkDir, "merge-" + config.Name);
        Directory.CreateDirectory(dir);
        var layout = Layout(config);
        var bytes = layout.Sum(e => e.ByteCount);
        var (a, b, c, copy) = (Path.Combine(dir, "a.safetensors"), Path.Combine(dir, "b.safetensors"), Path.Combine(dir, "merged.safetensors"), Path.Combine(dir, "copy.safetensors"));
        foreach (var (path, value) in new[] { (a, 0.25f), (b, 0.75f) })
        {
            if (File.Exists(path) && new FileInfo(path).Length > bytes) continue;
            log.WriteLine($"merge bench: writing {path} ({bytes / 1e9:F2} GB of tensors)");
            SafeTensorsWriter.Write(path, layout.Select(e => e with { Produce = () => Scalars.Full(e.Shape, value, e.DType.ToScalarType()) }));
        }
        cancel.ThrowIfCancellationRequested();

        // Both sides durable: the merge's atomic write fsyncs before its rename, so the copy is synced too.
        var cp = Stopwatch.StartNew();
        using (var process = Process.Start("cp", [a, copy])) process.WaitForExit();
        var cpOnly = cp.Elapsed;
        using (var process = Process.Start("sync", [copy])) process.WaitForExit();
        cp.Stop();
        File.Delete(copy);

        MachineState.ResetPeakRss();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var merge = Stopwatch.StartNew();
        WeightedMerge.Run([a, b], [0.5, 0.5], c);
        merge.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var peak = MachineState.PeakRssBytes();
        var outBytes = new FileInfo(c).Length;
        Verify(c, layout);
        File.Delete(c);

        string Mbs(long n, Stopwatch s) => (n / 1e6 / s.Elapsed.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture) + " MB/s";
        return
        [
            new("merge", $"merge 2×{outBytes / 1e9:F2} GB → 1 ({config.Name}, fp16)", $"{merge.Elapsed.TotalSeconds:F1} s, {Mbs(outBytes, merge)} written",
                "≤ 2× cp time", $"cp + sync of one input: {cp.Elapsed.TotalSeconds:F1} s ({cpOnly.TotalSeconds:F1} s before sync), {Mbs(outBytes, cp)}; ratio {merge.Elapsed.TotalSeconds / cp.Elapsed.TotalSeconds:F2}×"),
            new("merge", "merge read throughput", Mbs(2 * outBytes, merge), "",
                $"merge CPU time {cpu.TotalSeconds:F1} s over {merge.Elapsed.TotalSeconds:F1} s wall; load average {MachineState.LoadAverage()} on {Environment.ProcessorCount} cores"),
            new("merge", "merge peak RSS (VmHWM)", peak is { } p ? $"{p / 1e6:F0} MB" : "n/a", "< 1500 MB regardless of size", $"largest tensor {layout.Max(e => e.ByteCount) / 1e6:F0} MB fp16"),
        ];
    }

    // Every checkpoint key with its shape, from the model built on the meta device; floats as fp16.
    public static IReadOnlyList<SafeTensorEntry> Layout(SdxlConfig config)
    {
        using var models = SdxlModels.CreateOnMeta(config);
        return models.StateDict()
            .Select(kv => new SafeTensorEntry(kv.Key, kv.Tensor.is_floating_point() ? SafeDType.F16 : SafeDTypes.FromScalarType(kv.Tensor.dtype), kv.Tensor.shape, () => throw new InvalidOperationException("layout only")))
            .ToList();
    }


    // Inputs are constant 0.25 and 0.75, so every float element of the merge must be 0.5; the largest
    // tensor spans many slices, and its whole content is checked.
    private static void Verify(string merged, IReadOnlyList<SafeTensorEntry> layout)
    {
        using var reader = CheckpointReader.Open(merged);
        var largest = layout.Where(e => e.DType == SafeDType.F16).MaxBy(e => e.ByteCount)!;
        using var t = reader.Load(largest.Name, ScalarType.Float32);
        using var wrong = Scalars.With(0.5, t.ne).sum();
        if (wrong.item<long>() != 0) throw new InvalidOperationException($"merge bench: {wrong.item<long>()} elements of '{largest.Name}' are not 0.5");
    }


}
