using Kohaku.Bench;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Notebooks.Tests.Verbs;

// `kohaku bench rehearsal --quick`: the full run's path (random checkpoints → merge → restore →
// buckets → train killed and resumed → LoKr → bake → load back → a batch-2 step) on the tiny arch,
// every step through the kohaku app in its own process, as the full-size rehearsal runs it.
[Collection("headless")]
public sealed class RehearsalBenchTests
{
    [Fact]
    public void Run_TinyArch_WholePathMeasuredAndFolderRemoved()
    {
        using var temp = new TempFolder();
        var app = Path.Combine(AppContext.BaseDirectory, "kohaku.dll");
        var bench = new RehearsalBench { Kohaku = ["dotnet", app] };
        var log = new StringWriter();

        var rows = bench.Run(new BenchOptions(temp.Path, Quick: true, Batch: 2), log, CancellationToken.None);

        long parameters;
        using (var models = SdxlModels.CreateOnMeta(SdxlConfig.Tiny))
        using (var network = LokrNetwork.Build(models, new LokrConfig(), META))
            parameters = network.ParameterCount;
        Assert.All(rows, r => Assert.Equal("rehearsal", r.Stage));
        var lokr = Assert.Single(rows, r => r.Figure == "LoKr file (fp16)");
        Assert.StartsWith($"{parameters:N0} parameters × 2 bytes", lokr.Reference, StringComparison.Ordinal);
        // The resumed run went on from step 1's checkpoint, and a micro-batch was measured at both sizes.
        Assert.Contains(rows, r => r.Figure.StartsWith("train: resume after SIGKILL", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Figure == "train: one micro-batch forward + backward, batch 1");
        Assert.Contains(rows, r => r.Figure == "train: one micro-batch forward + backward, batch 2");
        Assert.Contains(rows, r => r.Figure == "fp16 rank: LoKr weights + gradients (fp32)" && r.Value == (8 * parameters / 1e9).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " GB");
        var total = Assert.Single(rows, r => r.Figure == "fp16 rank: total at batch 4 (Δ recipe)");
        Assert.StartsWith("fits", total.Reference, StringComparison.Ordinal);
        Assert.Contains("  step 2/2 ", log.ToString(), StringComparison.Ordinal);
        // Every step applied: on an AVX-512 BF16 CPU `train` runs at that oneDNN level, whose bf16 convs
        // with fewer than 16 channels (conv_in, out.2) returned garbage and NaN until AdaptableConv2d padded them.
        Assert.DoesNotContain("non-finite gradient", log.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "rehearsal-tiny")));
    }
}
