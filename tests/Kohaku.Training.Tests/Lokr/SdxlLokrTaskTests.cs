using Kohaku.Training.Config;
using Kohaku.Training.Trainer;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Lokr;

// One tiny model for the class (building and loading it is the slow part); each test uses its own task.
public class SdxlLokrTaskTests(TinySdxlFixture fx) : IClassFixture<TinySdxlFixture>
{
    private static readonly TrainConfig Tiny = new()
    {
        BatchSize = 2,
        GradientAccumulation = 1,
        MaxSteps = 30,
        WarmupSteps = 0,
        UnetLearningRate = 1e-3,
        TextEncoderLearningRate = 1e-3,
        CheckpointEverySteps = 0,
        Precision = TrainPrecision.Fp32,
    };

    [Fact]
    public void Run_OverfitFourImagesWithTinySdxl_LossDecreases()
    {
        var trainer = new DiffusionTrainer(Tiny, fx.Task(Tiny), Path.Combine(fx.Dir, "train"));
        var losses = new List<double>();
        trainer.StepCompleted += s => losses.Add(s.Loss);
        trainer.Run(resume: false);
        double first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        Assert.True(last < 0.9 * first, $"first 10 steps {first:F4}, last 10 {last:F4}");
    }

    [Fact]
    public void Latents_CacheOn_EncodesEachImageOnceAndStoresPerBucket()
    {
        var task = fx.Task(Tiny);
        var batch = new Kohaku.Training.Data.SampleBatch(1, [2, 3]);
        var loads = fx.ImageLoads;
        using var gen = new TorchSharp.torch.Generator(1);
        using var a = task.Latents(batch, gen);
        using var b = task.Latents(batch, gen);
        Assert.Equal([2L, 4, 12, 8], a.shape);
        Assert.True(a.Equals(b));
        Assert.True(fx.ImageLoads - loads <= 2);
        Assert.True(File.Exists(Path.Combine(fx.Dir, "latents", "3_0064x0096.safetensors")));
    }

    [Fact]
    public void PredictNoise_TextEncodersTrained_GradientsReachBothGroups()
    {
        var task = fx.Task(Tiny);
        var batch = new Kohaku.Training.Data.SampleBatch(0, [0, 1]);
        using var gen = new TorchSharp.torch.Generator(1);
        using var latents = task.Latents(batch, gen);
        using var eps = task.PredictNoise(latents, tensor(new long[] { 10, 500 }), batch, 0);
        eps.square().mean().backward();
        foreach (var group in task.TrainableGroups)
            Assert.Contains(group.Parameters, kp => kp.Parameter.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.Equal(latents.shape, eps.shape);
    }
}
