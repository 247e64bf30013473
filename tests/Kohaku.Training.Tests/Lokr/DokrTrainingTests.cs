using Kohaku.Diffusion.Lokr;
using Kohaku.Training.Config;
using Kohaku.Training.Trainer;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Lokr;

// DoKr on the tiny SDXL through the trainer: dora_scale is a trained parameter of its module's group,
// moves with the factors, and a checkpoint brings it back on resume.
public sealed class DokrTrainingTests
{
    private static readonly TrainConfig Tiny = new()
    {
        BatchSize = 2,
        GradientAccumulation = 2,
        MaxSteps = 2,
        WarmupSteps = 0,
        UnetLearningRate = 1e-3,
        TextEncoderLearningRate = 1e-3,
        CheckpointEverySteps = 1,
        Precision = TrainPrecision.Fp32,
        Seed = 31,
    };

    [Fact]
    public void Run_Dokr_TrainsDoraScaleWithFiniteLossAndResumesIt()
    {
        using var fx = new TinySdxlFixture(ScalarType.Float32, new LokrConfig { WeightDecompose = true });
        var task = fx.Task(Tiny);
        var initial = Snapshot(task);
        var magnitudes = initial.Keys.Where(k => k.EndsWith(".dora_scale", StringComparison.Ordinal)).ToList();
        Assert.Equal(fx.Network.Modules.Count, magnitudes.Count);
        Assert.Contains(magnitudes, k => k.StartsWith("lora_te", StringComparison.Ordinal));

        var losses = new List<double>();
        var trainer = new DiffusionTrainer(Tiny, task, Path.Combine(fx.Dir, "dokr-a"));
        trainer.StepCompleted += s => losses.Add(s.Loss);
        trainer.Run(resume: false);
        var uninterrupted = Snapshot(task);
        Assert.Equal(2, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.Contains(magnitudes, k => !initial[k].Equals(uninterrupted[k]));

        // Killed in the second checkpoint, resumed from the first with every parameter scrambled.
        Load(task, initial);
        var killedDir = Path.Combine(fx.Dir, "dokr-b");
        var killed = new DiffusionTrainer(Tiny, fx.Task(Tiny), killedDir);
        var seen = new HashSet<string>();
        var inSecond = 0;
        killed.BeforeCheckpointTensor = name =>
        {
            if (!seen.Add(name) && ++inSecond == seen.Count / 2) throw new IOException("killed");
        };
        Assert.Throws<IOException>(() => killed.Run(resume: false));
        Assert.Contains(seen, n => n.EndsWith(".dora_scale", StringComparison.Ordinal));
        using (no_grad())
            foreach (var (_, p) in task.TrainableGroups.SelectMany(g => g.Parameters)) p.fill_(0.5);
        new DiffusionTrainer(Tiny, fx.Task(Tiny), killedDir).Run(resume: true);
        var resumed = Snapshot(task);
        foreach (var (key, expected) in uninterrupted)
            Assert.True(expected.Equals(resumed[key]), $"{key} differs after kill and resume");
    }

    private static Dictionary<string, Tensor> Snapshot(IDiffusionTask task) =>
        task.TrainableGroups.SelectMany(g => g.Parameters).ToDictionary(kp => kp.Key, kp => kp.Parameter.detach().clone());

    private static void Load(IDiffusionTask task, Dictionary<string, Tensor> values)
    {
        using var noGrad = no_grad();
        foreach (var (key, p) in task.TrainableGroups.SelectMany(g => g.Parameters)) p.copy_(values[key]);
    }
}
