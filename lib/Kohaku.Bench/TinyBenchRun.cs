using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Training.Config;
using Kohaku.Training.Distributed;
using Kohaku.Training.Lokr;
using Kohaku.Training.Trainer;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// The tiny SDXL with LoKr factor 8 on BenchTask's eight synthetic images, trained on CPU in fp32:
// what `kohaku bench train` and `kohaku bench parallel` time.
internal sealed class TinyBenchRun : IDisposable
{
    private readonly string _dir;

    public TinyBenchRun(string dir)
    {
        _dir = dir;
        Directory.CreateDirectory(dir);
        var basePath = Path.Combine(dir, "tiny-base.safetensors");
        TinyCheckpoint.Create(basePath, 1);
        Models = SdxlCheckpoint.Load(basePath, null, CPU, ScalarType.Float32);
        foreach (var (_, module) in Models.Components())
            foreach (var p in module.parameters()) p.requires_grad = false;
        manual_seed(1);
        Network = LokrNetwork.Build(Models, new LokrConfig { Factor = 8 }, CPU, ScalarType.Float32);
    }

    public SdxlModels Models { get; }
    public LokrNetwork Network { get; }

    public static TrainConfig Config(int accumulation, int timedSteps) => new()
    {
        BatchSize = 4, GradientAccumulation = accumulation, MaxSteps = timedSteps + 2, WarmupSteps = 0, CheckpointEverySteps = 0,
        Precision = TrainPrecision.Fp32, CacheLatents = true, GradientCheckpointing = false,
    };

    // The steps after the first two (they fill the latent cache and warm the allocator), on rank 0.
    public (List<TrainStep> Timed, SdxlLokrTask Task) Train(TrainConfig config, ICommunicator communicator, TextWriter log)
    {
        var task = BenchTask.Create(Models, Network, config, _dir);
        var trainer = new DiffusionTrainer(config, task, Path.Combine(_dir, "train"), communicator);
        var timed = new List<TrainStep>();
        trainer.StepCompleted += s =>
        {
            if (s.Step > 2) timed.Add(s);
            log.WriteLine($"train bench: step {s.Step} {s.Timings.Total:F2} s");
        };
        // A bench run repeats in the same folder; its checkpoints are scratch.
        trainer.Run(resume: false, overwrite: true);
        return (timed, task);
    }

    public void Dispose()
    {
        Network.Dispose();
        Models.Dispose();
    }
}
