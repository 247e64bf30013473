using System.Diagnostics;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Checkpoints;
using Kohaku.Training.Config;
using Kohaku.Training.Data;
using Kohaku.Training.Loss;
using Kohaku.Training.Optim;
using Kohaku.Training.Precision;
using Kohaku.Training.Schedule;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Trainer;

// The kohya SDXL network-training step (kohya-sdxl.md §0) around any IDiffusionTask: per micro-batch
// latents, noise (+offset), t ~ U{0..999}, x_t = √ᾱ·x0 + √(1−ᾱ)·ε, ε-prediction, fp32 MSE with min-SNR
// weights; loss/accumulation scaled by the loss scaler; at the window's end unscale, skip on
// inf/NaN (schedule not advanced), clip to MaxGradNorm, lr from the warm-up schedule, optimizer step.
// Randomness comes only from CPU generators saved in checkpoints, so a resumed run on CPU ends with
// bit-identical weights.
public sealed class DiffusionTrainer
{
    private readonly TrainConfig _config;
    private readonly IDiffusionTask _task;
    private readonly NoiseSchedule _schedule = NoiseSchedule.ScaledLinear();

    public DiffusionTrainer(TrainConfig config, IDiffusionTask task, string trainDir)
    {
        _config = config.Validate();
        _task = task;
        TrainDir = trainDir;
        Sampler = new BucketBatchSampler(task.Buckets, config.BatchSize, config.Seed);
    }

    public string TrainDir { get; }
    public string CheckpointDir => Path.Combine(TrainDir, "checkpoints");
    public string PreviewDir => Path.Combine(TrainDir, "previews");
    public string MetricsPath => Path.Combine(TrainDir, "metrics.jsonl");
    public BucketBatchSampler Sampler { get; }

    // kohya: epochs · ceil(batches per epoch / accumulation); an epoch's last window may be short.
    public long StepsPerEpoch => (Sampler.BatchesPerEpoch + _config.GradientAccumulation - 1) / _config.GradientAccumulation;

    public long TotalSteps => _config.MaxSteps > 0 ? _config.MaxSteps : _config.Epochs * StepsPerEpoch;

    // on_batch_end: raised after every optimizer step (notebook charts, CLI progress).
    public event Action<TrainStep>? StepCompleted;

    // Test hooks: poison the gradients before the overflow check of the given step, and run code
    // before each checkpoint tensor is written (to kill a run mid-write).
    internal Func<long, bool>? InjectOverflow { get; set; }
    internal Action<string>? BeforeCheckpointTensor { get; set; }

    public bool LossScalingEnabled => ResolvePrecision(_config.Precision, _task.Device) == TrainPrecision.Fp16;

    public static TrainPrecision ResolvePrecision(TrainPrecision precision, Device device) =>
        precision != TrainPrecision.Auto ? precision : device.type == DeviceType.CUDA ? TrainPrecision.Fp16 : TrainPrecision.Fp32;

    public TrainResult Run(bool resume, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(TrainDir);
        var groups = BuildGroups();
        var parameters = groups.SelectMany(g => g.Parameters).ToList();
        // By reference: Tensor equality compares values.
        var trained = new HashSet<object>(parameters, ReferenceEqualityComparer.Instance);
        var keyed = _task.TrainableGroups.SelectMany(g => g.Parameters).Where(kp => trained.Contains(kp.Parameter)).ToList();
        using var optimizer = OptimizerFactory.Create(_config, groups);
        var scaler = new DynamicLossScaler(LossScalingEnabled, _config.InitialLossScale, growthInterval: _config.LossScaleGrowthInterval);
        using var rng = new Generator(unchecked((ulong)_config.Seed));
        var state = TrainState.Start(_config.Seed, _config.BatchSize, _config.GradientAccumulation, _config.Optimizer.ToString(), scaler.Save());
        var metrics = new MetricsLog(MetricsPath);
        string? lastCheckpoint = null;

        if (resume && TrainCheckpoint.List(CheckpointDir) is [var newest, ..])
        {
            state = Restore(newest.Path, keyed, optimizer, scaler, rng);
            lastCheckpoint = newest.Path;
            metrics.TruncateAfter(state.Step);
        }
        else
        {
            // A fresh run owns its train folder: an older run's checkpoints would otherwise be
            // taken for this run's newest on a later --resume.
            foreach (var (_, path) in TrainCheckpoint.List(CheckpointDir)) File.Delete(path);
            if (File.Exists(MetricsPath)) File.Delete(MetricsPath);
        }

        var minSnr = _config.MinSnrGamma > 0 ? new MinSnrWeight(_schedule, _config.MinSnrGamma) : null;
        var warmup = new WarmupConstantSchedule(_config.WarmupSteps);
        using var sqrtAlpha = tensor(_schedule.AlphasCumprod.Select(a => (float)Math.Sqrt(a)).ToArray(), device: _task.Device).DetachFromDisposeScope();
        using var sqrtOneMinusAlpha = tensor(_schedule.AlphasCumprod.Select(a => (float)Math.Sqrt(1 - a)).ToArray(), device: _task.Device).DetachFromDisposeScope();
        var batches = Sampler.From(state.Position).GetEnumerator();

        while (state.Step < TotalSteps && !cancel.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            double data = 0, forward = 0, backward = 0, lossSum = 0;
            int images = 0, micros = 0, epoch = 0;
            var position = state.Position;
            foreach (var p in parameters) p.grad = null;
            // The task's once-per-step work counts as forward (begin) and backward (end).
            var tBegin = watch.Elapsed.TotalSeconds;
            _task.BeginAccumulation();
            forward += watch.Elapsed.TotalSeconds - tBegin;
            for (var micro = 0; micro < _config.GradientAccumulation; micro++)
            {
                using var scope = NewDisposeScope();
                batches.MoveNext();
                var (at, batch) = batches.Current;
                epoch = at.Epoch;
                position = position.Next(Sampler.BatchesPerEpoch);
                var t0 = watch.Elapsed.TotalSeconds;
                var latents = _task.Latents(batch, rng);
                var noise = randn(latents.shape, generator: rng);
                if (_config.NoiseOffset > 0)
                    noise = noise.Plus(randn([latents.shape[0], latents.shape[1], 1, 1], generator: rng).Times(_config.NoiseOffset));
                noise = noise.to(_task.Device);
                var timesteps = randint(0, _schedule.Steps, [latents.shape[0]], dtype: ScalarType.Int64, generator: rng).to(_task.Device);
                var t1 = watch.Elapsed.TotalSeconds;
                var noisy = (latents * sqrtAlpha.index_select(0, timesteps).view(-1, 1, 1, 1))
                    .Plus(noise * sqrtOneMinusAlpha.index_select(0, timesteps).view(-1, 1, 1, 1));
                var prediction = _task.PredictNoise(noisy, timesteps, batch, state.Step * _config.GradientAccumulation + micro);
                var loss = DiffusionLoss.Compute(prediction, noise, minSnr?.For(timesteps));
                lossSum += loss.item<float>();
                var t2 = watch.Elapsed.TotalSeconds;
                scaler.ScaleLoss(loss).DividedBy((double)_config.GradientAccumulation).backward();
                var t3 = watch.Elapsed.TotalSeconds;
                data += t1 - t0;
                forward += t2 - t1;
                backward += t3 - t2;
                images += batch.Samples.Count;
                micros++;
                // accelerate syncs at the end of the dataloader: the epoch's last window is short,
                // and its loss is still divided by the full accumulation count.
                if (position.Index == 0) break;
            }

            var tEnd = watch.Elapsed.TotalSeconds;
            _task.EndAccumulation();
            var tOpt = watch.Elapsed.TotalSeconds;
            backward += tOpt - tEnd;
            if (InjectOverflow?.Invoke(state.Step) == true) Poison(parameters);
            var skipped = scaler.UnscaleAndCheck(parameters);
            var norm = skipped ? double.NaN : GradientClipping.ClipByGlobalNorm(parameters, _config.MaxGradNorm);
            skipped |= !double.IsFinite(norm);
            var rates = new Dictionary<string, double>();
            foreach (var g in groups)
            {
                g.LearningRate = warmup.LearningRate(g.BaseLearningRate, state.ScheduleStep);
                rates[g.Name] = g.LearningRate;
            }
            if (!skipped) optimizer.Step();
            var lossScale = scaler.Scale;
            scaler.Update(skipped);
            foreach (var p in parameters) p.grad = null;
            var meanLoss = lossSum / micros;
            var streak = double.IsFinite(meanLoss) ? 0 : state.ConsecutiveNonFinite + 1;
            state = state with
            {
                Step = state.Step + 1,
                ScheduleStep = state.ScheduleStep + (skipped ? 0 : 1),
                Position = position,
                Scaler = scaler.Save(),
                ConsecutiveNonFinite = streak,
            };
            var seconds = watch.Elapsed.TotalSeconds;
            var step = new TrainStep(state.Step, TotalSteps, epoch, meanLoss, rates, lossScale, norm, images / seconds, skipped,
                new StepTimings(data, forward, backward, seconds - tOpt));
            metrics.Append(step);
            StepCompleted?.Invoke(step);

            if (streak > _config.MaxConsecutiveNonFinite)
                throw new TrainingDivergedException(state.Step, streak, lastCheckpoint);
            var due = _config.CheckpointEverySteps > 0 && state.Step % _config.CheckpointEverySteps == 0;
            if (due || state.Step == TotalSteps)
                lastCheckpoint = SaveCheckpoint(state, keyed, optimizer, rng);
            if (_config.SampleEverySteps > 0 && state.Step % _config.SampleEverySteps == 0 && _task is IPreviewTask previews)
                previews.WritePreviews(state.Step, PreviewDir);
        }

        if (cancel.IsCancellationRequested && state.Step < TotalSteps)
            lastCheckpoint = SaveCheckpoint(state, keyed, optimizer, rng);
        return new TrainResult(state.Step, TotalSteps, lastCheckpoint, scaler.SkippedSteps);
    }

    private List<OptimizerGroup> BuildGroups()
    {
        var groups = new List<OptimizerGroup>();
        foreach (var g in _task.TrainableGroups)
        {
            var lr = g.Kind == GroupKind.Unet ? _config.UnetLearningRate : _config.TextEncoderLearningRate;
            // kohya drops groups whose lr is 0; text encoders also when not trained.
            if (lr <= 0 || (g.Kind == GroupKind.TextEncoder && !_config.TrainTextEncoders) || g.Parameters.Count == 0) continue;
            groups.Add(new OptimizerGroup(g.Name, g.Parameters.Select(kp => kp.Parameter).ToList(), lr));
        }
        if (groups.Count == 0) throw new InvalidOperationException("nothing to train: every parameter group is empty or has learning rate 0");
        return groups;
    }

    private string SaveCheckpoint(TrainState state, IReadOnlyList<(string Key, Parameter Parameter)> keyed, TrainOptimizer optimizer, Generator rng)
    {
        using var scope = NewDisposeScope();
        var tensors = keyed.Select(kp => new KeyValuePair<string, Tensor>("param." + kp.Key, kp.Parameter.detach()))
            .Concat(optimizer.StateTensors().Select(kv => new KeyValuePair<string, Tensor>("optim." + kv.Key, kv.Value)))
            .Append(new("rng.noise", GeneratorState.Save(rng)))
            .ToList();
        var path = TrainCheckpoint.Write(CheckpointDir, state, tensors, BeforeCheckpointTensor);
        TrainCheckpoint.Prune(CheckpointDir, _config.KeepCheckpoints);
        return path;
    }

    private TrainState Restore(string path, IReadOnlyList<(string Key, Parameter Parameter)> keyed, TrainOptimizer optimizer, DynamicLossScaler scaler, Generator rng)
    {
        using var checkpoint = TrainCheckpoint.Read(path);
        var s = checkpoint.State;
        var mismatches = new List<string>();
        if (s.Seed != _config.Seed) mismatches.Add($"seed {s.Seed} ≠ {_config.Seed}");
        if (s.BatchSize != _config.BatchSize) mismatches.Add($"batchSize {s.BatchSize} ≠ {_config.BatchSize}");
        if (s.GradientAccumulation != _config.GradientAccumulation) mismatches.Add($"gradientAccumulation {s.GradientAccumulation} ≠ {_config.GradientAccumulation}");
        if (s.Optimizer != _config.Optimizer.ToString()) mismatches.Add($"optimizer {s.Optimizer} ≠ {_config.Optimizer}");
        if (mismatches.Count > 0) throw new InvalidDataException($"{path}: cannot resume with a different train config: {string.Join(", ", mismatches)}");
        using (no_grad())
        {
            foreach (var (key, p) in keyed)
            {
                var src = checkpoint.Require("param." + key);
                if (!src.shape.SequenceEqual(p.shape)) throw new InvalidDataException($"{path}: param.{key} has shape [{string.Join(",", src.shape)}], model has [{string.Join(",", p.shape)}]");
                p.copy_(src);
            }
        }
        optimizer.LoadState(checkpoint.WithPrefix("optim."));
        scaler.Restore(s.Scaler);
        GeneratorState.Restore(rng, checkpoint.Require("rng.noise"), "rng.noise");
        return s;
    }

    private static void Poison(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        var first = parameters.FirstOrDefault(p => p.grad is not null);
        if (first is not null) Scalars.With(double.PositiveInfinity, first.grad!.view(-1)[0].fill_);
    }
}

public sealed record TrainResult(long Steps, long TotalSteps, string? LastCheckpoint, long SkippedSteps);
