using Kohaku.Diffusion.Sdxl;
using System.Diagnostics;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// `kohaku bench models`: UNet forward + backward at 64×64 latents (batch 1, fp32, CPU) for the tiny
// and the full-size config (plus the tiny at 16×16, the 128 px sample training size), as a LoKr step runs it (base frozen, gradients through activations),
// against the fp32 matmul rate measured in the same process. FLOPs are counted from the
// architecture (UnetMacs, pinned to sdxl-arch.md §11). Quick mode: tiny only.
public sealed class ModelsBench : IStageBench
{
    private const int TextLength = 77;

    public string Stage => "models";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var rows = new List<BenchRow>();
        foreach (var (name, config, latent, warmups, repeats) in Configs(options.Quick))
        {
            cancel.ThrowIfCancellationRequested();
            // The reference is taken right before and after the timed steps, and their mean is the
            // yardstick: on a shared machine the matmul rate itself drifts over minutes.
            var before = MatmulGflops();
            log.WriteLine($"models: fp32 matmul 2048³ {before:F0} GFLOP/s ({get_num_threads()} threads); building the {name} UNet (fp32, CPU)...");
            var seconds = StepSeconds(config, latent, warmups, repeats, log);
            var after = MatmulGflops();
            var matmul = (before + after) / 2;
            var reference = $"fp32 matmul 2048³: {before:F0} before, {after:F0} after GFLOP/s";
            var flops = UnetMacs.Forward(config, latent, latent, TextLength).FrozenTrainingFlops;
            var rate = flops / seconds / 1e9;
            var goal = name == "sdxl" ? "≥ 50 % of matmul" : "";
            rows.Add(new BenchRow(Stage, $"{name} UNet fwd+bwd, {latent}×{latent} latent, fp32", $"{seconds:F3} s/step", goal, reference));
            rows.Add(new BenchRow(Stage, $"{name} UNet achieved rate, {latent}×{latent}", $"{rate:F1} GFLOP/s ({100 * rate / matmul:F0} % of matmul; {flops / 1e12:F3} TFLOP/step)", goal, reference));
            rows.Add(new BenchRow(Stage, $"process peak RSS after {name} {latent}×{latent}", $"{(MachineState.PeakRssBytes() is { } peak ? $"{peak / 1073741824.0:F1} GB" : "n/a")}"));
        }
        return rows;
    }

    private static IEnumerable<(string, UnetConfig, int, int, int)> Configs(bool quick)
    {
        yield return ("tiny", UnetConfig.Tiny, 16, 2, 9);
        yield return ("tiny", UnetConfig.Tiny, 64, 1, 5);
        // The full-size UNet holds ~10 GB of fp32 weights and a step is minutes on 2 cores: one timed
        // step, no warm-up (first-call costs are small next to 3 TFLOP).
        if (!quick) yield return ("sdxl", UnetConfig.Sdxl, 64, 0, 1);
    }

    // Median seconds of one forward + backward after the warm-up steps.
    private static double StepSeconds(UnetConfig config, int latent, int warmups, int repeats, TextWriter log)
    {
        manual_seed(0);
        using var unet = new UNet(config);
        foreach (var p in unet.parameters()) p.requires_grad = false;
        var times = new List<double>();
        for (var i = 0; i < warmups + repeats; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(1, config.InChannels, latent, latent).requires_grad_(true);
            var context = randn(1, TextLength, config.ContextDim);
            var y = randn(1, config.AdmInChannels);
            var t = tensor(new long[] { 500 });
            var watch = Stopwatch.StartNew();
            var output = unet.call(x, t, context, y);
            var loss = output.mul(output).mean();
            loss.backward();
            watch.Stop();
            if (i >= warmups) times.Add(watch.Elapsed.TotalSeconds);
            log.WriteLine($"models:   step {i}{(i < warmups ? " (warm-up)" : "")}: {watch.Elapsed.TotalSeconds:F3} s");
        }
        return BenchStats.Median(times);
    }


    private static double MatmulGflops()
    {
        const int n = 2048;
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        a.matmul(b).Dispose();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return 2.0 * n * n * n / times[2] / 1e9;
    }
}
