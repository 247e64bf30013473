using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kohaku.Data.Config;
using Kohaku.Data.Export;
using Kohaku.Data.IO;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Samples.Images;
using Kohaku.Training.Checkpoints;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
using Kohaku.Training.Trainer;
using SixLabors.ImageSharp;

namespace Kohaku.Bench;

// One `kohaku bench rehearsal` run in its scratch folder (RehearsalBench says what it does). Each row
// is also logged as soon as it is measured, so a run stopped part-way still leaves its figures.
internal sealed class Rehearsal(RehearsalBench bench, RehearsalSize size, int batch, string dir, TextWriter log, CancellationToken cancel)
{
    private const string Stage = "rehearsal";
    // A 3090's 24 GiB less ≈1.8 GB for the CUDA context and allocator slack, which are not measured here.
    private const double RankBudgetBytes = 24e9;

    private readonly List<BenchRow> rows = [];
    private readonly string work = Path.Combine(dir, "work");
    private readonly string images = Path.Combine(dir, "images");
    private readonly string tokenizer = Path.Combine(dir, "tokenizer");
    private string BasePath => Path.Combine(work, "base.safetensors");
    private string firstCaption = "";

    // libtorch's bf16 kernels need oneDNN's AVX-512 BF16 level: under the project's AVX cap (README,
    // Setup) a bf16 matmul runs at ≈2 GFLOP/s and a 1024² step would take hours. Only `train` gets it;
    // the convs that level gets wrong (channels not a multiple of 16) are padded by AdaptableConv2d.
    private static readonly IReadOnlyDictionary<string, string>? TrainEnvironment =
        File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Contains(" avx512_bf16", StringComparison.Ordinal)
            ? new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "AVX512_CORE_BF16" } : null;

    // Phases of one optimizer step in seconds since its process started (one micro-batch per step).
    private sealed record StepPhases(TrainStep Step, double Start, double DataEnd, double BackwardEnd, double End);

    public IReadOnlyList<BenchRow> Run()
    {
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(work);
        var (halfElements, vaeElements) = BuildBase();
        WriteInputs();
        var (parameters, lionBytes, act1) = TrainKillResume();
        BakeAndLoadBack();
        Add("the path: Δ base, 2 steps killed and resumed, LoKr, bake, load back; wall", $"{total.Elapsed.TotalMinutes:F1} min", size.Arch == "sdxl" ? "< 30 min" : "",
            $"{Environment.ProcessorCount} cores; load average {MachineState.LoadAverage()}");
        var actB = batch > 1 ? BatchRun(parameters) : act1;
        File.Delete(BasePath);
        Project(halfElements, vaeElements, parameters, lionBytes, act1, actB);
        Add($"whole rehearsal ({size.Arch}) with the batch-{batch} step, wall", $"{total.Elapsed.TotalMinutes:F1} min", "",
            $"{Environment.ProcessorCount} cores; load average {MachineState.LoadAverage()}");
        return rows;
    }

    // The Δ base: two random checkpoints merged 0.5/0.5, the third's text-encoder embeddings restored.
    // Returns its float elements kept in fp16 on a GPU rank, and the VAE's (fp32 in training).
    private (long Half, long Vae) BuildBase()
    {
        var (a, b, reference, merged) = (Path.Combine(dir, "a.safetensors"), Path.Combine(dir, "b.safetensors"), Path.Combine(dir, "ref.safetensors"), Path.Combine(dir, "merged.safetensors"));
        var made = new[] { (a, 1), (b, 2), (reference, 3) }
            .Select(c => Verb(["random-checkpoint", "--arch", size.Arch, "--seed", $"{c.Item2}", "--out", c.Item1])).ToList();
        var bytes = new FileInfo(a).Length;
        Add($"random-checkpoint --arch {size.Arch} ×3", $"{BenchStats.Median(made.Select(m => m.WallSeconds)):F1} s each (median)", "",
            $"{Gb(bytes)} each; peak RSS {Gb(made.Max(m => m.PeakBytes))}");
        var merge = Verb(["merge", a, b, "--weights", "0.5,0.5", "--out", merged]);
        File.Delete(a);
        File.Delete(b);
        Add("Δ base 1/2: merge 0.5/0.5", $"{merge.WallSeconds:F1} s", "", $"peak RSS {Gb(merge.PeakBytes)}; {2 * bytes / 1e6 / merge.WallSeconds:F0} MB/s read");
        var restore = Verb(["restore-embeddings", "--from", reference, "--into", merged, "--out", BasePath]);
        File.Delete(reference);
        File.Delete(merged);
        Add("Δ base 2/2: restore-embeddings", $"{restore.WallSeconds:F1} s", "", $"peak RSS {Gb(restore.PeakBytes)}");
        using var file = SafeTensorsFile.Open(BasePath);
        var floats = file.Tensors.Where(t => t.DType is SafeDType.F16 or SafeDType.BF16 or SafeDType.F32).ToList();
        var vae = floats.Where(t => t.Name.StartsWith("first_stage_model.", StringComparison.Ordinal)).Sum(t => t.ElementCount);
        return (floats.Sum(t => t.ElementCount) - vae, vae);
    }

    // Synthetic square pictures with sample-style captions, a vocabulary learned from them, and their buckets.
    private void WriteInputs()
    {
        Directory.CreateDirectory(images);
        string[] backgrounds = ["red_background", "blue_background", "green_background", "yellow_background"];
        string[] shapes = ["circle", "square", "triangle", "heart"];
        var count = Math.Max(4, batch);
        var captions = new List<string>();
        for (var id = 1; id <= count; id++)
        {
            string[] tags = [backgrounds[id % 4], shapes[(id / 4 + id) % 4], "red_theme"];
            using (var picture = SampleImages.DrawAt(new SamplePost(id, size.Side, size.Side, tags), size.Side, size.Side))
                picture.SaveAsPng(Path.Combine(images, $"{id}.png"));
            captions.Add($"1girl, solo, ||| {string.Join(", ", tags.Select(t => t.Replace('_', ' ')))}, masterpiece, newest, safe");
        }
        firstCaption = captions[0];
        File.WriteAllLines(Path.Combine(work, CaptionsFile.FileName), captions.Select((c, i) => JsonSerializer.Serialize(new { id = i + 1, caption = c })));
        var ids = Path.Combine(dir, "ids.txt");
        File.WriteAllLines(ids, Enumerable.Range(1, count).Select(i => $"{i}"));
        Directory.CreateDirectory(tokenizer);
        ClipVocabBuilder.Write(ClipVocabBuilder.Build(captions), tokenizer);
        var b = size.Buckets;
        var assign = Verb(["buckets", "assign", "--base", $"{b.Resolution}", "--min", $"{b.MinSide}", "--max", $"{b.MaxSide}", "--step", $"{b.Step}",
            "--images", images, "--ids", ids, "--out", Path.Combine(work, BucketsFile.FileName)]);
        Add($"buckets assign, {count} synthetic {size.Side}² PNGs", $"{assign.WallSeconds:F1} s", "", $"peak RSS {Gb(assign.PeakBytes)}");
    }

    // Run file of the rehearsal's train runs: the Δ recipe's settings (TrainConfig defaults) at
    // batchSize × 1, bf16 base, no warm-up so step 1 already moves the weights.
    private string WriteRunFile(string folder, int batchSize, long steps)
    {
        var train = new TrainConfig
        {
            BatchSize = batchSize, GradientAccumulation = 1, MaxSteps = steps, WarmupSteps = 0, Precision = TrainPrecision.Bf16,
            GradientCheckpointing = true, Optimizer = OptimizerKind.Lion8bit, CheckpointEverySteps = 1, CacheLatents = true, Tokenizer = tokenizer,
        };
        var sections = new Dictionary<string, object>
        {
            ["train"] = train,
            ["lokr"] = new LokrConfig { Preset = LokrPreset.KohakuXlDelta.Name, SaveDtype = "fp16" },
            ["buckets"] = size.Buckets with { Images = [images] },
        };
        var path = Path.Combine(folder, "rehearsal.run.json");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(sections, RunFile.Json));
        return path;
    }

    // Step 1 at batch 1, SIGKILL once its checkpoint is on disk, `--resume` to step 2 and the LoKr file.
    // Returns the trainable parameters, the Lion8bit state bytes and batch 1's activation bytes.
    private (long Parameters, long LionBytes, long Activations) TrainKillResume()
    {
        var runFile = WriteRunFile(work, 1, 2);
        var checkpoints = Path.Combine(work, "train", "checkpoints");
        var first = TrainCheckpoint.PathFor(checkpoints, 1);
        var run1 = Verb(["train", "--config", runFile, "--work-dir", work], p => File.Exists(first), TrainEnvironment);
        if (run1.KilledAt is not { } sawCheckpoint) throw new InvalidOperationException($"rehearsal: train ended before {first} appeared");
        var parameters = TrainableParameters(run1);
        var s1 = Phases(run1, 1);
        var loaded = LoadedAt(run1);
        Add("train: model load (Δ base → bf16, VAE fp32, Δ preset attached)", $"{loaded:F1} s", "", $"peak RSS {Gb(run1.PeakBetween(0, loaded))} ({Gb(run1.AnonPeakBetween(0, loaded))} anonymous; the rest is the mapped base file); {parameters:N0} trainable parameters" +
            (TrainEnvironment is null ? "" : "; train runs with ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16 (bf16 under the AVX cap: ≈2 GFLOP/s)"));
        Add("train: latents of micro-batch 1 (fp32 VAE encode, cached)", $"{s1.Step.Timings.Data:F1} s", "", $"peak RSS {Gb(run1.PeakBetween(s1.Start, s1.DataEnd))}");
        var act1 = MicroBatchRows(run1, s1, 1, parameters);
        Add("train: optimizer step (clip, Lion8bit; first step allocates its state)", $"{s1.Step.Timings.Optimizer:F1} s", "", $"peak RSS {Gb(run1.PeakBetween(s1.BackwardEnd, s1.End))}");
        var checkpointBytes = new FileInfo(first).Length;
        long lionBytes;
        using (var file = SafeTensorsFile.Open(first))
            lionBytes = file.Tensors.Where(t => t.Name.StartsWith("optim.", StringComparison.Ordinal)).Sum(t => t.ByteCount);
        Add("train: checkpoint write (LoKr fp32 + Lion8bit state)", $"{Gb(checkpointBytes)} in {sawCheckpoint - s1.End:F1} s", "",
            $"peak RSS {Gb(run1.PeakBetween(s1.End, sawCheckpoint))}; Lion8bit state {lionBytes / 1e6:F1} MB ({(double)lionBytes / parameters:F4} B/parameter); SIGKILL ≤ 0.1 s after it appeared");

        var second = TrainCheckpoint.PathFor(checkpoints, 2);
        var lokr = Path.Combine(work, TrainPaths.LokrFileName);
        double? secondAt = null, lokrAt = null;
        var run2 = Verb(["train", "--config", runFile, "--work-dir", work, "--resume"], p =>
        {
            secondAt ??= File.Exists(second) ? p.Now : null;
            lokrAt ??= File.Exists(lokr) ? p.Now : null;
            return false;
        }, TrainEnvironment);
        if (run2.TimeOf(l => l.StartsWith("step 1/", StringComparison.Ordinal)) is not null) throw new InvalidOperationException("rehearsal: the resumed run trained step 1 again");
        var s2 = Phases(run2, 2);
        // A write that ended within one sample of the process's exit is stamped with the exit.
        var (secondSeen, lokrSeen) = (secondAt ?? run2.WallSeconds, lokrAt ?? run2.WallSeconds);
        Add("train: resume after SIGKILL (load + step-1 checkpoint), then step 2", $"{LoadedAt(run2):F1} s to load", "",
            $"peak RSS {Gb(run2.PeakBytes)} over the whole resumed run; step 2 checkpoint {Gb(new FileInfo(second).Length)} in {secondSeen - s2.End:F1} s");
        // Every step of the rehearsal meets a new image, so its data time is a VAE encode that a cached epoch does not pay.
        Add("train: seconds per micro-batch, batch 1 (forward + backward)", $"{s2.Step.Timings.Forward + s2.Step.Timings.Backward:F1} s", "",
            $"step 2: forward {s2.Step.Timings.Forward:F1} s, backward {s2.Step.Timings.Backward:F1} s, + {s2.Step.Timings.Data:F1} s encoding its latent; step 1: {s1.Step.Timings.Forward + s1.Step.Timings.Backward:F1} s");
        var lokrBytes = new FileInfo(lokr).Length;
        // Every factor in fp16 plus a header: anything else means the file is not the whole network.
        if (lokrBytes < 2 * parameters || lokrBytes > 2 * parameters + (8 << 20))
            throw new InvalidDataException($"rehearsal: {lokr} is {lokrBytes:N0} bytes, not {parameters:N0} fp16 parameters");
        Add("LoKr file (fp16)", $"{lokrBytes / 1e6:F1} MB in {lokrSeen - secondSeen:F1} s", size.Arch == "sdxl" ? "≈ 769 MB" : "",
            $"{parameters:N0} parameters × 2 bytes = {2 * parameters / 1e6:F1} MB; peak RSS {Gb(run2.PeakBetween(secondSeen, lokrSeen))}");
        return (parameters, lionBytes, act1);
    }

    // bake into a full-size checkpoint, then read it back: inspect (keys and shapes) and generate (every component loaded and run).
    private void BakeAndLoadBack()
    {
        var baked = Path.Combine(dir, "baked.safetensors");
        var bake = Verb(["bake", "--base", BasePath, "--lokr", Path.Combine(work, TrainPaths.LokrFileName), "--out", baked]);
        Add("bake the LoKr into the Δ base", $"{bake.WallSeconds:F1} s", "", $"peak RSS {Gb(bake.PeakBytes)} ({Gb(bake.PeakAnonBytes)} anonymous); {Gb(new FileInfo(baked).Length)} written");
        var inspect = Verb(["inspect", baked]);
        string[] clean = [$"architecture {size.Arch}", "unknown keys: 0", "missing keys: 0", "shape mismatches: 0"];
        if (clean.FirstOrDefault(c => !inspect.Lines.Any(l => l.Text.Contains(c, StringComparison.Ordinal))) is { } missing)
            throw new InvalidDataException($"rehearsal: inspect of the baked checkpoint did not report \"{missing}\"");
        var side = $"{size.PreviewSide}";
        var generate = Verb(["generate", "--checkpoint", baked, "--tokenizer", tokenizer, "--prompt", firstCaption, "--out", Path.Combine(dir, "baked.png"),
            "--width", side, "--height", side, "--steps", "1"]);
        File.Delete(baked);
        Add($"load the baked checkpoint back (generate, fp32, {side}², 1 step)", $"{generate.WallSeconds:F1} s", "",
            $"peak RSS {Gb(generate.PeakBytes)} ({Gb(generate.PeakAnonBytes)} anonymous); inspect {inspect.WallSeconds:F1} s: {size.Arch}, no unknown, missing or mis-shaped key");
    }

    // One step at the recipe's batch in a second work folder that shares the base, buckets, captions
    // and latent cache; killed once the step is logged (its memory is what it is for). Returns its
    // activation bytes, or null when it did not get through the step.
    private long? BatchRun(long parameters)
    {
        var folder = Path.Combine(dir, $"batch{batch}");
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "base.safetensors", BucketsFile.FileName, CaptionsFile.FileName })
            File.CreateSymbolicLink(Path.Combine(folder, name), Path.Combine(work, name));
        Directory.CreateDirectory(Path.Combine(work, "latents"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "latents"), Path.Combine(work, "latents"));
        var run = Verb(["train", "--config", WriteRunFile(folder, batch, 1), "--work-dir", folder],
            p => p.TimeOf(l => l.StartsWith("step 1/", StringComparison.Ordinal)) is not null, TrainEnvironment, mayFail: true);
        // A small model can log its step and exit between two samples: that is a finished step, not a failure.
        if (run.KilledAt is null && run.ExitCode != 0)
        {
            // Out of memory ends it with SIGKILL from the kernel (exit code 137): a figure, not an error.
            Add($"train: one micro-batch forward + backward, batch {batch}", $"failed (exit code {run.ExitCode})", "", $"peak RSS {Gb(run.PeakBytes)} before it ended");
            return null;
        }
        var s = Phases(run, 1, Path.Combine(folder, "train"));
        var act = MicroBatchRows(run, s, batch, parameters);
        Add($"train: optimizer step after batch {batch}", $"{s.Step.Timings.Optimizer:F1} s", "", $"peak RSS {Gb(run.PeakBetween(s.BackwardEnd, s.End))}");
        return act;
    }

    // Rows of one micro-batch's forward + backward; returns its activation bytes: the peak over the
    // resident set before it, less the LoKr gradients (fp32) that backward allocates.
    private long MicroBatchRows(MeasuredProcess run, StepPhases s, int batchSize, long parameters)
    {
        var before = run.RssAt(s.DataEnd);
        var peak = run.PeakBetween(s.DataEnd, s.BackwardEnd);
        var activations = peak - before - 4 * parameters;
        Add($"train: one micro-batch forward + backward, batch {batchSize}", $"{s.Step.Timings.Forward + s.Step.Timings.Backward:F1} s, peak RSS {Gb(peak)}", "",
            $"forward {s.Step.Timings.Forward:F1} s, backward {s.Step.Timings.Backward:F1} s; {Gb(before)} resident before it; activations ≈ {Gb(activations)} (peak − before − {Gb(4 * parameters)} LoKr gradients; with the W + ΔW copies of the layer being recomputed)");
        return activations;
    }

    // One fp16 GPU rank of the Δ recipe from the counted and measured bytes; activations in bf16 on
    // the CPU have fp16's size (CPU attention materialises its score matrix: an upper bound there).
    private void Project(long halfElements, long vaeElements, long parameters, long lionBytes, long act1, long? actB)
    {
        var baseBytes = 2 * halfElements + 4 * vaeElements;
        var lokrBytes = 8 * parameters;
        var fixedBytes = baseBytes + lokrBytes + lionBytes;
        Add("fp16 rank: parameters (UNet + TEs fp16, VAE fp32)", Gb(baseBytes), "", $"counted from the Δ base: {halfElements:N0} × 2 + {vaeElements:N0} × 4 bytes");
        Add("fp16 rank: LoKr weights + gradients (fp32)", Gb(lokrBytes), "", $"{parameters:N0} × (4 + 4) bytes");
        Add("fp16 rank: Lion8bit state", Gb(lionBytes), "", "measured: the optim.* tensors of the step-1 checkpoint");
        Add("fp16 rank: activations with checkpointing, batch 1", Gb(act1), "", "measured on CPU in bf16 (same bytes as fp16), per-pass W + ΔW copies included");
        const int delta = RehearsalBench.DeltaBatch;
        if (actB is not { } measured)
        {
            Add($"fp16 rank: total at batch 1", Gb(fixedBytes + act1), "≤ 24 GB (a 3090's 24 GiB less context)", $"batch {delta} not projected: the batch-{batch} run did not finish its step");
            return;
        }
        var perImage = batch > 1 ? (measured - act1) / (double)(batch - 1) : 0;
        var act4 = batch == delta ? measured : (long)(act1 + perImage * (delta - 1));
        Add($"fp16 rank: activations with checkpointing, batch {delta}", Gb(act4), "",
            batch == delta ? "measured on CPU in bf16" : $"linear from batch 1 and batch {batch} (both measured): {Gb((long)perImage)} per image");
        var total = fixedBytes + act4;
        // A smaller micro-batch (accumulation raised to keep 128 images per step) keeps the fixed part.
        var largest = perImage > 0 ? $"; the largest batch that fits: {(int)Math.Floor((RankBudgetBytes - fixedBytes - act1) / perImage) + 1}" : "";
        Add($"fp16 rank: total at batch {delta} (Δ recipe)", Gb(total), "≤ 24 GB (a 3090's 24 GiB less context)",
            (total <= RankBudgetBytes ? "fits" : "does not fit") + $"; {Gb(fixedBytes)} of it does not grow with the batch{largest}");
    }

    private MeasuredProcess Verb(IEnumerable<string> arguments, Func<MeasuredProcess, bool>? killWhen = null, IReadOnlyDictionary<string, string>? environment = null, bool mayFail = false)
    {
        cancel.ThrowIfCancellationRequested();
        var args = arguments.ToList();
        var run = MeasuredProcess.Run(bench.Kohaku, args, log, killWhen, environment);
        if (run.ExitCode != 0 && run.KilledAt is null && !mayFail)
            throw new InvalidOperationException($"rehearsal: `kohaku {args[0]}` exited with code {run.ExitCode} (its output is above)");
        return run;
    }

    private StepPhases Phases(MeasuredProcess run, long step, string? trainDir = null)
    {
        var s = MetricsLog.Read(Path.Combine(trainDir ?? Path.Combine(work, "train"), "metrics.jsonl")).Single(m => m.Step == step);
        var end = run.TimeOf(l => l.StartsWith($"step {step}/", StringComparison.Ordinal)) ?? throw new InvalidDataException($"rehearsal: train did not log step {step}");
        var start = end - s.Timings.Total;
        return new StepPhases(s, start, start + s.Timings.Data, start + s.Timings.Data + s.Timings.Forward + s.Timings.Backward, end);
    }

    // LokrTraining logs "N images in B buckets, M LoKr modules, P trainable parameters" once the model is ready.
    private static double LoadedAt(MeasuredProcess run) =>
        run.TimeOf(l => l.Contains(" trainable parameters", StringComparison.Ordinal)) ?? throw new InvalidDataException("rehearsal: train did not report its model");

    private static long TrainableParameters(MeasuredProcess run)
    {
        var line = run.Lines.First(l => l.Text.Contains(" trainable parameters", StringComparison.Ordinal)).Text;
        var words = line[..line.IndexOf(" trainable parameters", StringComparison.Ordinal)].Split(' ');
        return long.Parse(words[^1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    private void Add(string figure, string value, string goal = "", string reference = "")
    {
        var row = new BenchRow(Stage, figure, value, goal, reference);
        rows.Add(row);
        log.WriteLine($"rehearsal row | {figure} | {value} | {goal} | {reference}");
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " GB";
}
