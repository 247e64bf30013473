using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
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
        // 60 steps: over 30, the per-step draws of timesteps can hide the trend (seed 1337: −3 % at 30, −31 % at 60).
        var config = Tiny with { MaxSteps = 60 };
        var trainer = new DiffusionTrainer(config, fx.Task(config), Path.Combine(fx.Dir, "train"));
        var losses = new List<double>();
        trainer.StepCompleted += s => losses.Add(s.Loss);
        trainer.Run(resume: false);
        double first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        Assert.True(last < 0.9 * first, $"first 10 steps {first:F4}, last 10 {last:F4}");
    }

    // A held-out post is in no training bucket, forms the validation batch, and is predicted with its
    // caption as written: the same output as a task that neither shuffles nor drops tags.
    [Fact]
    public void HeldOut_ValidationId_LeavesTheBucketsAndIsPredictedWithItsCaptionAsWritten()
    {
        var config = Tiny with { ValidationIds = [3], CaptionTagDropout = 0.5 };
        var (train, heldOut) = TrainSample.HoldOut(fx.Samples, config);
        Assert.Equal([1L, 2, 4], train.Select(s => s.Id));
        var task = fx.Task(config, train, heldOut);
        Assert.Equal([0, 1, 2], task.Buckets.SelectMany(b => b).Order());
        var batch = Assert.Single(task.ValidationBatches);
        Assert.Equal([3], batch.Samples);

        var plain = fx.Task(Tiny with { ShuffleCaption = false, CaptionTagDropout = 0 }, heldOut);
        using var noGrad = no_grad();
        using var gen = new Generator(2);
        using var noisy = randn([1, 4, 12, 8], generator: gen);
        using var t = tensor(new long[] { 500 });
        using var expected = plain.PredictNoise(noisy, t, new Kohaku.Training.Data.SampleBatch(0, [0]), microStep: 17);
        using var actual = task.PredictHeldOut(noisy, t, batch);
        Assert.True(expected.Equals(actual));
    }

    [Fact]
    public void Latents_CacheOn_EncodesEachImageOnceAndStoresPerBucket()
    {
        var task = fx.Task(Tiny);
        var batch = new Kohaku.Training.Data.SampleBatch(1, [2, 3]);
        var loads = fx.ImageLoads;
        using var gen = new TorchSharp.torch.Generator(1);
        using var a = task.Latents(batch, [gen, gen]);
        using var b = task.Latents(batch, [gen, gen]);
        Assert.Equal([2L, 4, 12, 8], a.shape);
        Assert.True(a.Equals(b));
        Assert.True(fx.ImageLoads - loads <= 2);
        Assert.True(File.Exists(Path.Combine(fx.Dir, "latents", "3_0064x0096.safetensors")));
    }

    // train.captionTagDropout in a run file is what the text encoders see: at 0 every tag after "|||"
    // stays (shuffled), at 0.9 most are dropped, and the part before "|||" is always kept.
    [Fact]
    public void Captions_RunFileTagDropout_ReachesTheTrainingBatches()
    {
        var runFile = Path.Combine(fx.Dir, $"dropout-{Guid.NewGuid():N}.run.json");
        List<string> Captions(double dropout)
        {
            File.WriteAllText(runFile, $$"""{ "train": { "captionTagDropout": {{dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }""");
            var config = Kohaku.Data.Config.RunFile.LoadSection<TrainConfig>(runFile, "train") with { BatchSize = 2 };
            var task = fx.Task(config);
            return Enumerable.Range(0, 50).SelectMany(step => task.Captions(new Kohaku.Training.Data.SampleBatch(0, [0, 1]), step)).ToList();
        }

        var kept = Captions(0);
        var dropped = Captions(0.9);

        Assert.All(kept.Where((_, i) => i % 2 == 0), c =>
            Assert.Equal(["1girl", "solo", "blue eyes", "long hair", "smile"], c.Split(", ").Take(2).Concat(c.Split(", ").Skip(2).Order(StringComparer.Ordinal))));
        var flexible = dropped.Where((_, i) => i % 2 == 0).Sum(c => c.Split(", ").Length - 2);
        Assert.InRange(flexible, 3, 35);   // 150 tags at p = 0.9: 15 expected
        Assert.All(dropped.Where((_, i) => i % 2 == 0), c => Assert.StartsWith("1girl, solo", c));
    }

    [Fact]
    public void PredictNoise_TextEncodersTrained_GradientsReachBothGroups()
    {
        var task = fx.Task(Tiny);
        var batch = new Kohaku.Training.Data.SampleBatch(0, [0, 1]);
        using var gen = new TorchSharp.torch.Generator(1);
        using var latents = task.Latents(batch, [gen, gen]);
        using var eps = task.PredictNoise(latents, tensor(new long[] { 10, 500 }), batch, 0);
        eps.square().mean().backward();
        foreach (var group in task.TrainableGroups)
            Assert.Contains(group.Parameters, kp => kp.Parameter.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.Equal(latents.shape, eps.shape);
    }

    [Fact]
    public void Run_KilledMidCheckpointAndResumed_EndsWithTheUninterruptedWeights()
    {
        var config = Tiny with { MaxSteps = 4, GradientAccumulation = 2, CheckpointEverySteps = 2, Optimizer = OptimizerKind.Lion8bit, Seed = 21 };
        var task = fx.Task(config);
        var initial = Snapshot(task);
        new DiffusionTrainer(config, task, Path.Combine(fx.Dir, "resume-a")).Run(resume: false);
        var uninterrupted = Snapshot(task);

        Load(task, initial);
        var killedDir = Path.Combine(fx.Dir, "resume-b");
        var killed = new DiffusionTrainer(config, fx.Task(config), killedDir);
        var seen = new HashSet<string>();
        var inSecond = 0;
        killed.BeforeCheckpointTensor = name =>
        {
            // Dies half-way through the second checkpoint (step 4): a name seen again starts it.
            if (!seen.Add(name) && ++inSecond == seen.Count / 2) throw new IOException("killed");
        };
        Assert.Throws<IOException>(() => killed.Run(resume: false));
        // A new process would rebuild the adapters from scratch; resume must not depend on them.
        using (no_grad())
            foreach (var (_, p) in task.TrainableGroups.SelectMany(g => g.Parameters)) p.fill_(0.5);
        new DiffusionTrainer(config, fx.Task(config), killedDir).Run(resume: true);

        var resumed = Snapshot(task);
        Load(task, initial);
        Assert.Equal([2L], Kohaku.Training.Checkpoints.TrainCheckpoint.List(Path.Combine(killedDir, "checkpoints")).Skip(1).Select(c => c.Step));
        foreach (var (key, expected) in uninterrupted)
            Assert.True(expected.Equals(resumed[key]), $"{key} differs after kill and resume");
    }

    [Fact]
    public void Run_Bf16Base_TrainsFp32FactorsWithFiniteLoss()
    {
        using var bf16 = new TinySdxlFixture(ScalarType.BFloat16);
        var config = Tiny with { MaxSteps = 3, Precision = TrainPrecision.Bf16 };
        var task = bf16.Task(config);
        var before = Snapshot(task);
        var losses = new List<double>();
        var trainer = new DiffusionTrainer(config, task, Path.Combine(bf16.Dir, "train"));
        trainer.StepCompleted += s => losses.Add(s.Loss);
        trainer.Run(resume: false);
        Assert.False(trainer.LossScalingEnabled);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        var factors = task.TrainableGroups.SelectMany(g => g.Parameters).Where(kp => kp.Key.Contains(".lokr_")).ToList();
        Assert.All(factors, kp => Assert.Equal(ScalarType.Float32, kp.Parameter.dtype));
        Assert.Contains(factors, kp => !before[kp.Key].Equals(kp.Parameter));
    }

    private static Dictionary<string, Tensor> Snapshot(IDiffusionTask task) =>
        task.TrainableGroups.SelectMany(g => g.Parameters).ToDictionary(kp => kp.Key, kp => kp.Parameter.detach().clone());

    private static void Load(IDiffusionTask task, Dictionary<string, Tensor> values)
    {
        using var noGrad = no_grad();
        foreach (var (key, p) in task.TrainableGroups.SelectMany(g => g.Parameters)) p.copy_(values[key]);
    }
}
