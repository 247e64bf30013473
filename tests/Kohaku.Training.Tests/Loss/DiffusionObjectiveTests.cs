using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Config;
using Kohaku.Training.Loss;
using Kohaku.Training.Tests.Trainer;
using Kohaku.Training.Trainer;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Loss;

// Expected losses: the same batch through diffusers' add_noise / get_velocity and kohya's
// apply_snr_weight (all_snr from the schedule before the zero-terminal rescale), written out in
// Python (torch float32 tables, γ 5).
public sealed class DiffusionObjectiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kohaku-objective-").FullName;
    private static readonly TrainConfig V = new() { Prediction = Prediction.V, MinSnrGamma = 5 };

    private static (Tensor Latents, Tensor Noise, Tensor Timesteps) Batch()
    {
        var x0 = arange(32, dtype: ScalarType.Float32).reshape(2, 4, 2, 2) / 8 - 1;
        var latents = cat([x0, x0.narrow(0, 0, 1) * 0.5f]);
        var noise = cos(arange(48, dtype: ScalarType.Float32)).reshape(3, 4, 2, 2);
        return (latents, noise, tensor(new long[] { 0, 499, 999 }));
    }

    [Theory]
    [InlineData(false, 0.19273042678833008)]
    [InlineData(true, 0.47004711627960205)]
    public void Loss_HalfTheNoisyLatents_MatchesDiffusersTargetsAndKohyaWeights(bool v, double expected)
    {
        using var scope = NewDisposeScope();
        using var objective = new DiffusionObjective(v ? V : V with { Prediction = Prediction.Epsilon }, CPU);
        var (latents, noise, t) = Batch();
        var loss = objective.Loss(latents, noise, t, noisy => noisy * 0.5f);
        Assert.Equal(expected, loss.item<float>(), expected * 1e-6);
    }

    // Zero terminal SNR: t = 999 is pure noise and its v target is −x₀; its weight is kohya's, from the
    // original SNR (0.0046601), not 0 as the rescaled SNR would give.
    [Fact]
    public void Loss_ZeroTerminalSnr_PureNoiseAtLastStepWithKohyaWeights()
    {
        using var scope = NewDisposeScope();
        using var objective = new DiffusionObjective(V with { ZeroTerminalSnr = true }, CPU);
        var (latents, noise, t) = Batch();
        Tensor? seen = null;
        var loss = objective.Loss(latents, noise, t, noisy => zeros_like(seen = noisy));
        Assert.True(seen![2].Equals(noise[2]));
        Assert.Equal(0.29738888144493103, loss.item<float>(), 0.29738888144493103 * 1e-6);
        Assert.Equal(0.0, objective.Schedule.AlphasCumprod[999]);
    }

    // The ε objective is the trainer's former inline computation, bit for bit (the Δ recipe's numbers).
    [Fact]
    public void Loss_Epsilon_IsBitIdenticalToTheInlineFormula()
    {
        using var scope = NewDisposeScope();
        using var objective = new DiffusionObjective(new TrainConfig(), CPU);
        var (latents, noise, t) = Batch();
        var alphas = NoiseSchedule.ScaledLinear().AlphasCumprod;
        var sqrtAlpha = tensor(alphas.Select(a => (float)Math.Sqrt(a)).ToArray());
        var sqrtOneMinusAlpha = tensor(alphas.Select(a => (float)Math.Sqrt(1 - a)).ToArray());
        var noisy = (latents * sqrtAlpha.index_select(0, t).view(-1, 1, 1, 1)) + noise * sqrtOneMinusAlpha.index_select(0, t).view(-1, 1, 1, 1);
        var expected = DiffusionLoss.Compute(noisy * 0.3f, noise, new MinSnrWeight(NoiseSchedule.ScaledLinear(), 5).For(t));
        Tensor? seen = null;
        var loss = objective.Loss(latents, noise, t, n => (seen = n) * 0.3f);
        Assert.True(seen!.Equals(noisy));
        Assert.Equal(expected.item<float>(), loss.item<float>());
    }

    [Fact]
    public void Run_VPredictionZeroTerminalSnr_TinyRunEndsWithFiniteLoss()
    {
        var config = new TrainConfig
        {
            BatchSize = 2, GradientAccumulation = 2, MaxSteps = 4, WarmupSteps = 1, UnetLearningRate = 1e-3,
            TextEncoderLearningRate = 5e-4, CheckpointEverySteps = 0, Precision = TrainPrecision.Fp32,
            Prediction = Prediction.V, ZeroTerminalSnr = true,
        };
        var trainer = new DiffusionTrainer(config, new ToyDiffusionTask(), _dir);
        var losses = new List<double>();
        trainer.StepCompleted += s => losses.Add(s.Loss);
        Assert.Equal(4, trainer.Run(resume: false).Steps);
        Assert.Equal(4, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
    }

    [Fact]
    public void Problems_ZeroTerminalSnrWithEpsilon_IsRefusedNamingBoth()
    {
        var problem = Assert.Single(new TrainConfig { ZeroTerminalSnr = true }.Problems());
        Assert.StartsWith("train.zeroTerminalSnr: true needs prediction \"v\"", problem);
        Assert.Empty(V.Problems());
        Assert.Contains("train.prediction", Assert.Single((V with { Prediction = (Prediction)7 }).Problems()));
    }

    [Fact]
    public void LoadSection_PredictionV_ReachesThePreviewSettings()
    {
        var path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, """{ "train": { "prediction": "v", "zeroTerminalSnr": true } }""");
        var c = Kohaku.Data.Config.RunFile.LoadSection<TrainConfig>(path, "train");
        Assert.Equal((Prediction.V, true), (c.Prediction, c.ZeroTerminalSnr));
        Assert.Equal((Prediction.V, true), (c.PreviewSettings().Prediction, c.PreviewSettings().ZeroTerminalSnr));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
