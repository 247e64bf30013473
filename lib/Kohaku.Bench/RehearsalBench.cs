using System.Reflection;
using Kohaku.Data.Images;

namespace Kohaku.Bench;

// `kohaku bench rehearsal [--batch B]`: the full run's path on stand-in files, each step a real verb
// in its own process (its peak resident set is its own): three random full-size checkpoints, the
// 0.5/0.5 merge and the embedding restore (the Δ base), bucketing of synthetic 1024² images, then
// `train` with the Δ preset (batch 1, 2 optimizer steps, base in bf16, gradient checkpointing, LoKr
// and Lion8bit state in fp32, a checkpoint every step) killed with SIGKILL once step 1's checkpoint is
// on disk and resumed to step 2, which writes the LoKr file; `bake` into a full-size checkpoint and
// `inspect` + `generate` to load it back; last a one-step run at batch B (4) for one micro-batch's
// memory. Phases inside `train` are placed by its metrics.jsonl timings and output lines.
// From the measured bytes it projects one fp16 GPU rank of the Δ recipe. Quick mode: the tiny arch.
// Run only when named: ≈30 GB of disk at its peak and half an hour of the whole machine.
public sealed class RehearsalBench : IStageBench
{
    public string Stage => "rehearsal";

    public bool OnlyWhenNamed => true;

    // The batch size the Δ recipe runs per rank (the card: 4 × 16 on two 3090s).
    public const int DeltaBatch = 4;

    // How to start the `kohaku` app: this process's own by default; a test host names kohaku.dll.
    public IReadOnlyList<string> Kohaku { get; init; } = OwnApp();

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var size = options.Quick ? RehearsalSize.Tiny : RehearsalSize.Sdxl;
        var dir = Path.Combine(options.WorkDir, "rehearsal-" + size.Arch);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        try
        {
            return new Rehearsal(this, size, options.Batch ?? DeltaBatch, dir, log, cancel).Run();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string[] OwnApp()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        // Under `dotnet kohaku.dll` the host needs the app; the apphost `kohaku` does not.
        return Path.GetFileNameWithoutExtension(host) == "dotnet" && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } app ? [host, app] : [host];
    }
}

// What differs between the full-size rehearsal and its quick (tiny) form.
internal sealed record RehearsalSize(string Arch, int Side, BucketConfig Buckets, int PreviewSide)
{
    public static readonly RehearsalSize Sdxl = new("sdxl", 1024, new BucketConfig(), 256);
    public static readonly RehearsalSize Tiny = new("tiny", 128, new BucketConfig { Resolution = 128, MinSide = 64, MaxSide = 256, Step = 32 }, 64);
}
