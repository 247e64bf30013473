using Kohaku.Diffusion.Nn;
using System.Diagnostics;
using System.Globalization;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Training.Config;
using Kohaku.Training.Distributed;
using Kohaku.Training.Lokr;
using Kohaku.Training.Optim;
using Kohaku.Training.Trainer;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// `kohaku bench train`: the tiny SDXL + LoKr (factor 8) training step on CPU — images/s, the
// split of a step into data/forward/backward/optimizer, and what share of an optimizer step the LoKr
// ΔW rebuild (kron forward + backward over all modules, once per step) takes; then the Kohaku XL Δ preset on the
// full-size SDXL built on the meta device: trainable parameters and optimizer state bytes.
public sealed class TrainBench : IStageBench
{
    public string Stage => "train";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var rows = new List<BenchRow>();
        rows.AddRange(TinySteps(options, log));
        rows.AddRange(FullSizeState(log));
        return rows;
    }

    private IEnumerable<BenchRow> TinySteps(BenchOptions options, TextWriter log)
    {
        var steps = options.Quick ? 3 : 12;
        var config = TinyBenchRun.Config(accumulation: 2, steps);
        using var run = new TinyBenchRun(Path.Combine(options.WorkDir, "train-bench"));
        var network = run.Network;
        var (timed, task) = run.Train(config, SingleProcess.Instance, log);
        var sum = timed.Sum(s => s.Timings.Total);
        double Share(Func<StepTimings, double> part) => timed.Sum(s => part(s.Timings)) / sum;
        var medianStep = BenchStats.Median(timed.Select(s => s.Timings.Total));
        var images = config.EffectiveBatch;
        var (rebuild, groups) = RebuildSeconds(network, 15);
        var perMicro = medianStep / config.GradientAccumulation;
        string Pct(double x) => x.ToString("P1", CultureInfo.InvariantCulture);
        yield return new BenchRow(Stage, "tiny SDXL + LoKr f8, CPU fp32, no grad checkpointing, batch 4 × 2 (64² / 64×96 px): images/s", (images / medianStep).ToString("F2", CultureInfo.InvariantCulture), "", $"median step {medianStep:F3} s ({perMicro:F3} s per micro-batch), load average {MachineState.LoadAverage()}");
        yield return new BenchRow(Stage, "step split data / forward / backward / optimizer (sum over timed steps)",
            $"{Pct(Share(t => t.Data))} / {Pct(Share(t => t.Forward))} / {Pct(Share(t => t.Backward))} / {Pct(Share(t => t.Optimizer))}");
        yield return new BenchRow(Stage, "LoKr ΔW rebuild (kron fwd+bwd, all modules, once per optimizer step) share of an optimizer step", Pct(rebuild / medianStep), "≤ 10 %", $"{rebuild * 1000:F1} ms of {medianStep * 1000:F0} ms (batch 4 × accumulation 2); {network.Modules.Count} modules in {groups} stacked krons; built once per step for both micro-batches (was once per micro-batch)");
        using var lion8 = new Lion8bit(Groups(task), 0.9, 0.95, 0.1);
        yield return new BenchRow(Stage, "tiny: Lion8bit state bytes / trained parameter", (lion8.StateBytes / (double)lion8.ParameterCount).ToString("F3", CultureInfo.InvariantCulture), "", "tiny tensors are mostly < 4096 elements (fp32 state)");
    }

    private IEnumerable<BenchRow> FullSizeState(TextWriter log)
    {
        log.WriteLine("train bench: full-size SDXL + Δ LoKr preset on the meta device");
        using var models = SdxlModels.CreateOnMeta(SdxlConfig.Sdxl);
        var meta = new Device(DeviceType.META);
        using var network = LokrNetwork.Build(models, new LokrConfig(), meta, ScalarType.Float32);
        var groups = new List<OptimizerGroup>
        {
            new("unet", network.UnetParameters.ToList(), 4e-5),
            new("text_encoders", network.TextEncoderParameters.ToList(), 1e-5),
        };
        using var lion8 = new Lion8bit(groups, 0.9, 0.95, 0.1);
        using var lion = new Lion(groups, 0.9, 0.95, 0.1);
        using var adamw = new AdamW(groups, 0.9, 0.95, 0.1);
        var n = (double)lion8.ParameterCount;
        string PerParam(TrainOptimizer o) => (o.StateBytes / n).ToString("F4", CultureInfo.InvariantCulture);
        yield return new BenchRow(Stage, "SDXL Δ preset: trainable parameters (UNet / TE)", $"{lion8.ParameterCount:N0}", "", $"{groups[0].ElementCount:N0} / {groups[1].ElementCount:N0}; {network.Modules.Count} modules");
        yield return new BenchRow(Stage, "SDXL Δ preset: Lion8bit state bytes / parameter", PerParam(lion8), "≤ 1.05", $"{lion8.StateBytes / 1e6:F1} MB; Lion fp32 {PerParam(lion)}, AdamW {PerParam(adamw)}");
    }

    // Median seconds of one optimizer step's ΔW work over all modules: the window's kron forward
    // (LokrDeltaWindow.Open, as the trainer does it) and the kron backward of the summed ΔW gradient (Close); the
    // micro-batches' backward passes that fill that gradient run untimed. The first round warms up.
    private static (double Seconds, int Groups) RebuildSeconds(LokrNetwork network, int repeats)
    {
        var times = new List<double>();
        var groups = 0;
        using var weight = empty(0);
        for (var r = 0; r <= repeats; r++)
        {
            // As in the trainer, each step starts with no factor gradients.
            foreach (var p in network.UnetParameters.Concat(network.TextEncoderParameters)) p.grad = null;
            var watch = Stopwatch.StartNew();
            var window = LokrDeltaWindow.Open(network.Modules);
            var begin = watch.Elapsed.TotalSeconds;
            groups = window.Groups;
            using (var scope = NewDisposeScope())
                network.Modules.Select(m => m.DeltaFor(weight).sum()).Aggregate((a, b) => a.Plus(b)).backward();
            watch.Restart();
            window.Close();
            if (r > 0) times.Add(begin + watch.Elapsed.TotalSeconds);
        }
        foreach (var p in network.UnetParameters.Concat(network.TextEncoderParameters)) p.grad = null;
        return (BenchStats.Median(times), groups);
    }

    private static List<OptimizerGroup> Groups(IDiffusionTask task) =>
        task.TrainableGroups.Where(g => g.Parameters.Count > 0).Select(g => new OptimizerGroup(g.Name, g.Parameters.Select(kp => kp.Parameter).ToList(), 1e-4)).ToList();
}
