using System.Diagnostics;
using Kohaku.Data;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Checkpoints;
using Kohaku.Training.Config;
using Kohaku.Training.Data;
using Kohaku.Training.Distributed;
using Kohaku.Training.Loss;
using Kohaku.Training.Optim;
using Kohaku.Training.Precision;
using Kohaku.Training.Schedule;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Trainer;

// The kohya SDXL network-training step (kohya-sdxl.md §0) around any IDiffusionTask, data-parallel
// over the communicator's ranks. One optimizer step reads the next GradientAccumulation × ranks
// batches of the sampler (fewer at an epoch's end); rank r trains the r-th run of GradientAccumulation
// of them. Per micro-batch: latents, noise (+offset), t ~ U{0..999}, x_t = √ᾱ·x0 + √(1−ᾱ)·ε,
// ε- or v-prediction, fp32 MSE with min-SNR weights (Loss/DiffusionObjective), backward of
// loss × scale / micro-batches per step.
// At the window's end the gradients are summed over ranks, unscaled, checked (skip on inf/NaN with
// the schedule held), clipped to MaxGradNorm, and every rank applies the same optimizer step.
// Each sample's randomness comes from a generator keyed by (seed, step, its place in the step's
// global batch), so the result does not depend on the rank count and a resume replays it exactly.
public sealed class DiffusionTrainer
{
    private readonly TrainConfig _config;
    private readonly IDiffusionTask _task;
    private readonly Schedule.TimestepSampler _timesteps;

    public DiffusionTrainer(TrainConfig config, IDiffusionTask task, string trainDir, ICommunicator? communicator = null)
    {
        _config = config;
        _timesteps = config.TimestepSampler();
        _task = task;
        TrainDir = trainDir;
        Communicator = communicator ?? SingleProcess.Instance;
        Sampler = new BucketBatchSampler(task.Buckets, config.BatchSize, config.Seed);
    }

    public string TrainDir { get; }
    public string CheckpointDir => Path.Combine(TrainDir, "checkpoints");
    public string PreviewDir => Path.Combine(TrainDir, "previews");
    public string MetricsPath => Path.Combine(TrainDir, "metrics.jsonl");
    public string TensorBoardDir => Path.Combine(TrainDir, "tensorboard");
    public BucketBatchSampler Sampler { get; }
    public ICommunicator Communicator { get; }

    // The global batch of one optimizer step, in micro-batches: accumulation is per rank, as in kohya.
    public int MicroBatchesPerStep => _config.GradientAccumulation * Communicator.Size;

    // kohya: epochs · ceil(batches per epoch / micro-batches per step); an epoch's last window may be short.
    public long StepsPerEpoch => (Sampler.BatchesPerEpoch + MicroBatchesPerStep - 1) / MicroBatchesPerStep;

    public long TotalSteps => _config.MaxSteps > 0 ? _config.MaxSteps : _config.Epochs * StepsPerEpoch;

    // on_batch_end: raised on rank 0 after every optimizer step (notebook charts, CLI progress).
    public event Action<TrainStep>? StepCompleted;

    // Notes for the user (a checkpoint skipped on resume, an earlier run's files removed).
    public Action<string>? Log { get; init; }

    // Test hooks: poison the gradients before the overflow check of the given step, and run code
    // before each checkpoint tensor is written (to kill a run mid-write).
    internal Func<long, bool>? InjectOverflow { get; set; }
    internal Action<string>? BeforeCheckpointTensor { get; set; }

    private bool IsWriter => Communicator.Rank == 0;

    private string Objective => _config.Prediction == Prediction.Epsilon ? TrainState.EpsilonObjective : _config.ZeroTerminalSnr ? "v+ztsnr" : "v";

    public bool LossScalingEnabled => ResolvePrecision(_config.Precision, _task.Device) == TrainPrecision.Fp16;

    public static TrainPrecision ResolvePrecision(TrainPrecision precision, Device device) =>
        precision != TrainPrecision.Auto ? precision : device.type == DeviceType.CUDA ? TrainPrecision.Fp16 : TrainPrecision.Fp32;

    // Runs until TotalSteps or until a stop is requested on any rank (cancel): the step in progress
    // is finished and checkpointed first. overwrite: a fresh run may replace an earlier run's
    // checkpoints and metrics (without it, it refuses to start over them).
    public TrainResult Run(bool resume, CancellationToken cancel = default, bool overwrite = false)
    {
        Directory.CreateDirectory(TrainDir);
        using var run = new Session(this);
        var (state, lastCheckpoint) = resume ? Resume(run) : (Start(run, overwrite), null);
        using var batches = Sampler.From(state.Position).GetEnumerator();
        var stop = false;
        while (state.Step < TotalSteps && !stop)
        {
            var watch = Stopwatch.StartNew();
            var window = NextWindow(batches);
            var micro = RunMicroBatches(run, state, window, watch);
            var end = EndWindow(run, state, micro, cancel);
            run.Ema?.Update(state.Step + 1);
            stop = end.StopRequested;
            var meanLoss = end.LossSum / end.MicroBatches;
            var streak = double.IsFinite(meanLoss) ? 0 : state.ConsecutiveNonFinite + 1;
            state = state with
            {
                Step = state.Step + 1,
                ScheduleStep = state.ScheduleStep + (end.Skipped ? 0 : 1),
                Position = window[^1].Position.Next(Sampler.BatchesPerEpoch),
                Scaler = run.Scaler.Save(),
                ConsecutiveNonFinite = streak,
            };
            var seconds = watch.Elapsed.TotalSeconds;
            var validation = ValidationDue(state.Step) ? Validate(run) : (double?)null;
            var step = new TrainStep(state.Step, TotalSteps, window[^1].Position.Epoch, meanLoss, end.LearningRates, end.LossScale, end.GradNorm,
                end.Images / seconds, end.Skipped, micro.Timings with { Optimizer = seconds - micro.Timings.Data - micro.Timings.Forward - micro.Timings.Backward }, validation);
            if (IsWriter)
            {
                run.Metrics.Append(step);
                run.TensorBoard?.Append(step);
                StepCompleted?.Invoke(step);
            }

            if (streak > _config.MaxConsecutiveNonFinite)
                throw new TrainingDivergedException(state.Step, streak, lastCheckpoint);
            if (Communicator.Size > 1 && _config.RankCheckEverySteps > 0 && state.Step % _config.RankCheckEverySteps == 0)
                CheckRanksAgree(run, state.Step);
            var due = _config.CheckpointEverySteps > 0 && state.Step % _config.CheckpointEverySteps == 0;
            if (due || state.Step == TotalSteps || stop)
                lastCheckpoint = SaveCheckpoint(run, state);
            if (IsWriter && _config.SampleEverySteps > 0 && state.Step % _config.SampleEverySteps == 0 && _task is IPreviewTask previews)
                WritePreviews(run, previews, state.Step);
        }
        return new TrainResult(state.Step, TotalSteps, lastCheckpoint, run.Scaler.SkippedSteps, run.TakeEma());
    }

    // Previews from the EMA weights when there are some and train.emaPreviews asks for them
    // (OneTrainer samples from EMA too); also into TensorBoard's image tab.
    private void WritePreviews(Session run, IPreviewTask previews, long step)
    {
        IReadOnlyList<string> written;
        using (_config.EmaPreviews ? run.Ema?.SwappedIn() : null)
            written = previews.WritePreviews(step, PreviewDir);
        run.TensorBoard?.AppendImages(step, written);
    }

    // Validation runs on the configured steps and the last one, never on a stop in between: a
    // stopped and resumed run then logs exactly the validation points of an uninterrupted one.
    private bool ValidationDue(long step) =>
        _task.ValidationBatches.Count > 0 && (step == TotalSteps || (_config.ValidationEverySteps > 0 && step % _config.ValidationEverySteps == 0));

    // The mean loss of every held-out sample at every validation timestep, under no_grad. Each
    // (batch, timestep) draws latents and noise from generators keyed by validationSeed, its place
    // and the timestep's index only, so every evaluation of every run sees the same inputs. The
    // batches are dealt round-robin over ranks and the sums reduced.
    private double Validate(Session run)
    {
        using var noGrad = no_grad();
        var batches = _task.ValidationBatches;
        var timesteps = _config.ValidationTimesteps;
        double sum = 0, count = 0;
        for (var b = Communicator.Rank; b < batches.Count; b += Communicator.Size)
        {
            var batch = batches[b];
            for (var i = 0; i < timesteps.Count; i++)
            {
                using var scope = NewDisposeScope();
                var seeds = batch.Samples.Select((_, k) => SeedMix.Of(unchecked((ulong)_config.ValidationSeed), ValidationStream + (ulong)i, (ulong)(b * _config.BatchSize + k))).ToArray();
                var t = timesteps[i];
                var (latents, noise, ts) = Draw(seeds, batch, _ => tensor(new long[] { t }));
                var loss = run.Objective.Loss(latents, noise, ts, noisy => _task.PredictHeldOut(noisy, ts, batch));
                sum += loss.item<float>() * (double)batch.Samples.Count;
                count += batch.Samples.Count;
            }
        }
        double[] total = [sum, count];
        Communicator.AllReduce(total, ReduceOp.Sum);
        return total[0] / total[1];
    }

    // Keeps validation generators apart from training's (seed, step, place) keys.
    private const ulong ValidationStream = 0x76616C69_64000000;

    // What one run holds from start to end: the trained parameters, optimizer, loss scaler, metrics,
    // the gradient exchange, the objective (its schedule tables on the device) and the batch stream.
    private sealed class Session : IDisposable
    {
        public Session(DiffusionTrainer trainer)
        {
            var config = trainer._config;
            Groups = BuildGroups(trainer._task, config);
            Parameters = Groups.SelectMany(g => g.Parameters).ToList();
            // By reference: Tensor equality compares values.
            var trained = new HashSet<object>(Parameters, ReferenceEqualityComparer.Instance);
            Keyed = trainer._task.TrainableGroups.SelectMany(g => g.Parameters).Where(kp => trained.Contains(kp.Parameter)).ToList();
            Optimizer = OptimizerFactory.Create(config, Groups);
            Scaler = new DynamicLossScaler(trainer.LossScalingEnabled, config.InitialLossScale, growthInterval: config.LossScaleGrowthInterval);
            Metrics = new MetricsLog(trainer.MetricsPath);
            TensorBoard = config.TensorBoard && trainer.IsWriter ? new TensorBoardLog(trainer.TensorBoardDir) : null;
            Warmup = new WarmupConstantSchedule(config.WarmupSteps);
            Reducer = trainer.Communicator.Size > 1 ? new GradientAllReduce(trainer.Communicator, Parameters) : null;
            Objective = new DiffusionObjective(config, trainer._task.Device);
            // Rank 0 alone writes checkpoints, previews and files, so it alone keeps the average.
            Ema = config.Ema && trainer.IsWriter ? new EmaWeights(Keyed, config.EmaDecay, config.EmaStartStep) : null;
        }

        public List<OptimizerGroup> Groups { get; }
        public List<Parameter> Parameters { get; }
        public List<(string Key, Parameter Parameter)> Keyed { get; }
        public TrainOptimizer Optimizer { get; }
        public DynamicLossScaler Scaler { get; }
        public MetricsLog Metrics { get; }
        public TensorBoardLog? TensorBoard { get; }
        public WarmupConstantSchedule Warmup { get; }
        public GradientAllReduce? Reducer { get; }
        public DiffusionObjective Objective { get; }
        public EmaWeights? Ema { get; private set; }

        // The average outlives the run for the caller (the EMA LoKr file); disposed here otherwise.
        public EmaWeights? TakeEma()
        {
            var ema = Ema;
            Ema = null;
            return ema;
        }

        public void Dispose()
        {
            Optimizer.Dispose();
            Reducer?.Dispose();
            TensorBoard?.Dispose();
            Objective.Dispose();
            Ema?.Dispose();
        }
    }

    private TrainState Start(Session run, bool overwrite)
    {
        var earlier = TrainCheckpoint.List(CheckpointDir);
        if (earlier.Count > 0 && !overwrite)
            throw new InvalidOperationException($"{CheckpointDir} holds an earlier run's checkpoints (newest: step {earlier[0].Step}); continue it with --resume, or start over with --overwrite, which deletes them, {MetricsPath} and its TensorBoard events");
        if (IsWriter && (earlier.Count > 0 || File.Exists(MetricsPath)))
        {
            foreach (var (_, path) in earlier) File.Delete(path);
            File.Delete(MetricsPath);
            if (Directory.Exists(TensorBoardDir))
                foreach (var events in Directory.GetFiles(TensorBoardDir, "events.out.tfevents.*")) File.Delete(events);
            if (earlier.Count > 0) Log?.Invoke($"train: --overwrite: removed {earlier.Count} checkpoint(s) of an earlier run from {CheckpointDir} and its metrics");
        }
        return TrainState.Start(_config.Seed, _config.BatchSize, MicroBatchesPerStep, _config.Optimizer.ToString(), run.Scaler.Save(), Objective);
    }

    // The newest readable checkpoint, and its path; a damaged newer one is skipped with a note, never deleted.
    private (TrainState State, string? From) Resume(Session run)
    {
        var checkpoints = TrainCheckpoint.List(CheckpointDir);
        if (checkpoints.Count == 0)
        {
            Log?.Invoke($"train: no checkpoint in {CheckpointDir} to resume from; starting at step 0");
            return (Start(run, overwrite: false), null);
        }
        foreach (var (step, path) in checkpoints)
        {
            LoadedCheckpoint checkpoint;
            try
            {
                checkpoint = TrainCheckpoint.Read(path);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Log?.Invoke($"train: checkpoint {path} is unreadable ({e.Message}); trying the one before it");
                continue;
            }
            using (checkpoint)
            {
                var state = Restore(run, checkpoint);
                if (step != checkpoints[0].Step) Log?.Invoke($"train: resumed from {path} (step {step}), the newest readable checkpoint");
                if (IsWriter) run.Metrics.TruncateAfter(state.Step);
                return (state, path);
            }
        }
        throw new InvalidDataException($"{CheckpointDir}: none of its {checkpoints.Count} checkpoint(s) can be read; start over with --overwrite");
    }

    // The batches of the next optimizer step over all ranks, stopping after an epoch's last batch
    // (accelerate syncs at the end of the dataloader; the loss is still divided by the full count).
    private List<(BatchPosition Position, SampleBatch Batch)> NextWindow(IEnumerator<(BatchPosition Position, SampleBatch Batch)> batches)
    {
        var window = new List<(BatchPosition, SampleBatch)>(MicroBatchesPerStep);
        while (window.Count < MicroBatchesPerStep)
        {
            batches.MoveNext();
            window.Add(batches.Current);
            if (batches.Current.Position.Index == Sampler.BatchesPerEpoch - 1) break;
        }
        return window;
    }

    private sealed record MicroResult(double LossSum, int MicroBatches, int Images, StepTimings Timings);

    // This rank's share of the window: forward and backward of each of its micro-batches, with the
    // task's once-per-step work (BeginAccumulation, EndAccumulation) counted as forward and backward.
    private MicroResult RunMicroBatches(Session run, TrainState state, List<(BatchPosition Position, SampleBatch Batch)> window, Stopwatch watch)
    {
        double data = 0, forward = 0, backward = 0, lossSum = 0;
        int images = 0, micros = 0;
        foreach (var p in run.Parameters) p.grad = null;
        var t = watch.Elapsed.TotalSeconds;
        _task.BeginAccumulation();
        forward += watch.Elapsed.TotalSeconds - t;
        var first = Communicator.Rank * _config.GradientAccumulation;
        for (var g = first; g < Math.Min(first + _config.GradientAccumulation, window.Count); g++)
        {
            using var scope = NewDisposeScope();
            var batch = window[g].Batch;
            var t0 = watch.Elapsed.TotalSeconds;
            var (latents, noise, timesteps) = DrawInputs(state.Step, g, batch);
            var t1 = watch.Elapsed.TotalSeconds;
            var loss = run.Objective.Loss(latents, noise, timesteps, noisy => _task.PredictNoise(noisy, timesteps, batch, state.Step * MicroBatchesPerStep + g));
            lossSum += loss.item<float>();
            var t2 = watch.Elapsed.TotalSeconds;
            run.Scaler.ScaleLoss(loss).DividedBy(MicroBatchesPerStep).backward();
            var t3 = watch.Elapsed.TotalSeconds;
            data += t1 - t0;
            forward += t2 - t1;
            backward += t3 - t2;
            images += batch.Samples.Count;
            micros++;
        }
        t = watch.Elapsed.TotalSeconds;
        _task.EndAccumulation();
        backward += watch.Elapsed.TotalSeconds - t;
        return new MicroResult(lossSum, micros, images, new StepTimings(data, forward, backward, 0));
    }

    // Sample k of micro-batch g draws, from its own generator and in this order, its latent
    // (a posterior sample when not cached), its noise, its noise offset and its timestep.
    private (Tensor Latents, Tensor Noise, Tensor Timesteps) DrawInputs(long step, int g, SampleBatch batch) =>
        Draw(batch.Samples.Select((_, k) => SeedMix.Of(unchecked((ulong)_config.Seed), unchecked((ulong)step), (ulong)(g * _config.BatchSize + k))).ToArray(), batch, _timesteps.Draw);

    private (Tensor Latents, Tensor Noise, Tensor Timesteps) Draw(ulong[] seeds, SampleBatch batch, Func<Generator, Tensor> timestep)
    {
        var rngs = seeds.Select(s => new Generator(s)).ToArray();
        try
        {
            var latents = _task.Latents(batch, rngs);
            var sample = latents.shape.ToArray();
            sample[0] = 1;
            var noise = cat(rngs.Select(rng =>
            {
                var n = randn(sample, generator: rng);
                return _config.NoiseOffset > 0 ? n.Plus(randn([1, sample[1], 1, 1], generator: rng).Times(_config.NoiseOffset)) : n;
            }).ToArray()).to(_task.Device);
            var timesteps = cat(rngs.Select(timestep).ToArray()).to(_task.Device);
            return (latents, noise, timesteps);
        }
        finally
        {
            foreach (var rng in rngs) rng.Dispose();
        }
    }

    private sealed record WindowEnd(double LossSum, int MicroBatches, int Images, bool Skipped, bool StopRequested, double GradNorm, double LossScale, Dictionary<string, double> LearningRates);

    // Sum the gradients over ranks, unscale and check them, agree on skip and stop across ranks,
    // clip, set the warm-up learning rates and step. Every rank sees the same summed gradients, so
    // the norm and the update are the same on each.
    private WindowEnd EndWindow(Session run, TrainState state, MicroResult micro, CancellationToken cancel)
    {
        run.Reducer?.Run();
        if (InjectOverflow?.Invoke(state.Step) == true) Poison(run.Parameters);
        var nonFinite = run.Scaler.UnscaleAndCheck(run.Parameters);
        if (nonFinite && IsWriter) Log?.Invoke(NonFiniteNote(run, state.Step + 1));
        double[] agreed = [micro.LossSum, micro.MicroBatches, micro.Images, nonFinite ? 1 : 0, cancel.IsCancellationRequested ? 1 : 0];
        Communicator.AllReduce(agreed, ReduceOp.Sum);
        var skipped = agreed[3] > 0;
        var norm = double.NaN;
        if (!skipped)
        {
            // Equal on every rank from equal gradients; reduced anyway, so one coefficient is certain.
            double[] agreedNorm = [GradientClipping.GlobalNorm(run.Parameters)];
            Communicator.AllReduce(agreedNorm, ReduceOp.Max);
            norm = agreedNorm[0];
            GradientClipping.Clip(run.Parameters, norm, _config.MaxGradNorm);
        }
        skipped |= !double.IsFinite(norm);
        var rates = new Dictionary<string, double>();
        foreach (var g in run.Groups)
        {
            g.LearningRate = run.Warmup.LearningRate(g.BaseLearningRate, state.ScheduleStep);
            rates[g.Name] = g.LearningRate;
        }
        if (!skipped) run.Optimizer.Step();
        var lossScale = run.Scaler.Scale;
        run.Scaler.Update(skipped);
        foreach (var p in run.Parameters) p.grad = null;
        return new WindowEnd(agreed[0], (int)agreed[1], (int)agreed[2], skipped, agreed[4] > 0, norm, lossScale, rates);
    }

    // Which trained tensors hold a non-finite gradient, so a skipped step says where (under fp16 loss
    // scaling the first steps overflow by design; without it a skip means the model or data went wrong).
    private string NonFiniteNote(Session run, long step)
    {
        using var noGrad = no_grad();
        var bad = run.Keyed.Where(kp => kp.Parameter.grad is { } g && !isfinite(g).all().item<bool>()).Select(kp => kp.Key).ToList();
        var where = bad.Count == 0 ? "" : $" in {bad.Count} of {run.Keyed.Count} tensors (first: {bad[0]})";
        var scale = LossScalingEnabled ? $" at loss scale {run.Scaler.Scale:G}" : " (no loss scaling)";
        return $"train: step {step}: non-finite gradient{where}{scale}; the step is skipped";
    }

    // Ranks apply identical steps to identical weights; a sum and a sum of squares of every trained
    // tensor, compared across ranks, catches one that drifted (a faulty device, a non-deterministic kernel).
    private void CheckRanksAgree(Session run, long step)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Per-tensor sums stay on the device; two host reads in all.
        var sums = stack(run.Parameters.Select(p => p.detach().to(ScalarType.Float64).sum()).ToArray());
        var squareSums = stack(run.Parameters.Select(p => { var d = p.detach().to(ScalarType.Float64); return d.mul(d).sum(); }).ToArray());
        var sum = sums.sum().item<double>();
        var squares = squareSums.sum().item<double>();
        double[] extremes = [sum, squares, -sum, -squares];
        Communicator.AllReduce(extremes, ReduceOp.Max);
        if (extremes[0] != -extremes[2] || extremes[1] != -extremes[3])
            throw new InvalidOperationException($"train: the ranks' weights differ after step {step} (rank {Communicator.Rank}: sum {sum:R}, sum of squares {squares:R}; range over ranks {-extremes[2]:R} … {extremes[0]:R}); the run stops rather than train diverged copies");
    }

    private static List<OptimizerGroup> BuildGroups(IDiffusionTask task, TrainConfig config)
    {
        var groups = new List<OptimizerGroup>();
        foreach (var g in task.TrainableGroups)
        {
            var lr = g.Kind == GroupKind.Unet ? config.UnetLearningRate : config.TextEncoderLearningRate;
            // kohya drops groups whose lr is 0; text encoders also when not trained.
            if (lr <= 0 || (g.Kind == GroupKind.TextEncoder && !config.TrainTextEncoders) || g.Parameters.Count == 0) continue;
            groups.Add(new OptimizerGroup(g.Name, g.Parameters.Select(kp => kp.Parameter).ToList(), lr));
        }
        if (groups.Count == 0) throw new InvalidOperationException("nothing to train: every parameter group is empty or has learning rate 0");
        return groups;
    }

    // Rank 0 writes; the others return the path it writes to.
    private string SaveCheckpoint(Session run, TrainState state)
    {
        if (!IsWriter) return TrainCheckpoint.PathFor(CheckpointDir, state.Step);
        using var scope = NewDisposeScope();
        var tensors = run.Keyed.Select(kp => new KeyValuePair<string, Tensor>("param." + kp.Key, kp.Parameter.detach()))
            .Concat(run.Optimizer.StateTensors().Select(kv => new KeyValuePair<string, Tensor>("optim." + kv.Key, kv.Value)))
            .Concat(run.Ema?.StateTensors().Select(kv => new KeyValuePair<string, Tensor>("ema." + kv.Key, kv.Value)) ?? [])
            .ToList();
        var path = TrainCheckpoint.Write(CheckpointDir, state with { WorldSize = Communicator.Size }, tensors, BeforeCheckpointTensor);
        TrainCheckpoint.Prune(CheckpointDir, _config.KeepCheckpoints);
        return path;
    }

    private TrainState Restore(Session run, LoadedCheckpoint checkpoint)
    {
        var s = checkpoint.State;
        var path = checkpoint.Path;
        var mismatches = new List<string>();
        if (s.Seed != _config.Seed) mismatches.Add($"seed {s.Seed} ≠ {_config.Seed}");
        if (s.BatchSize != _config.BatchSize) mismatches.Add($"batchSize {s.BatchSize} ≠ {_config.BatchSize}");
        if (s.GradientAccumulation != MicroBatchesPerStep)
        {
            var fits = s.GradientAccumulation % Communicator.Size == 0 ? $"; at {Communicator.Size} rank(s) set gradientAccumulation to {s.GradientAccumulation / Communicator.Size}" : "";
            mismatches.Add($"micro-batches per optimizer step {s.GradientAccumulation} (gradientAccumulation × ranks) ≠ {_config.GradientAccumulation} × {Communicator.Size}{fits}");
        }
        if (s.Optimizer != _config.Optimizer.ToString()) mismatches.Add($"optimizer {s.Optimizer} ≠ {_config.Optimizer}");
        if (s.Objective != Objective) mismatches.Add($"objective {s.Objective} ≠ {Objective} (train.prediction, train.zeroTerminalSnr)");
        if (mismatches.Count > 0) throw new InvalidDataException($"{path}: cannot resume with a different train config: {string.Join(", ", mismatches)}");
        using (no_grad())
        {
            foreach (var (key, p) in run.Keyed)
            {
                var src = checkpoint.Require("param." + key);
                if (!src.shape.SequenceEqual(p.shape)) throw new InvalidDataException($"{path}: param.{key} has shape [{string.Join(",", src.shape)}], model has [{string.Join(",", p.shape)}]");
                p.copy_(src);
            }
        }
        run.Optimizer.LoadState(checkpoint.WithPrefix("optim."));
        run.Ema?.Load(key => checkpoint.Tensors.GetValueOrDefault("ema." + key), path);
        run.Scaler.Restore(s.Scaler);
        return s;
    }

    private static void Poison(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        var first = parameters.FirstOrDefault(p => p.grad is not null);
        if (first is not null) Scalars.With(double.PositiveInfinity, first.grad!.view(-1)[0].fill_);
    }
}

// Ema: the trained weights' moving average when train.ema is on (rank 0); the caller disposes it.
public sealed record TrainResult(long Steps, long TotalSteps, string? LastCheckpoint, long SkippedSteps, EmaWeights? Ema = null);
