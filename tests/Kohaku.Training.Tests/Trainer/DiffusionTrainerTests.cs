using Kohaku.Training.Checkpoints;
using Kohaku.Training.Config;
using Kohaku.Training.Trainer;

namespace Kohaku.Training.Tests.Trainer;

public class DiffusionTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kohaku-train-").FullName;

    private static readonly TrainConfig Small = new()
    {
        BatchSize = 2,
        GradientAccumulation = 2,
        MaxSteps = 8,
        WarmupSteps = 2,
        UnetLearningRate = 1e-3,
        TextEncoderLearningRate = 5e-4,
        CheckpointEverySteps = 3,
        KeepCheckpoints = 5,
        Precision = TrainPrecision.Fp32,
    };

    [Fact]
    public void Run_FreshRun_LogsEveryStepWithWarmupAndCheckpoints()
    {
        var trainer = new DiffusionTrainer(Small, new ToyDiffusionTask(), _dir);
        var events = new List<TrainStep>();
        trainer.StepCompleted += events.Add;
        var result = trainer.Run(resume: false);
        Assert.Equal(8, result.Steps);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), events.Select(e => e.Step));
        Assert.Equal([0, 5e-4, 1e-3, 1e-3], events.Take(4).Select(e => e.LearningRates["unet"]));
        Assert.Equal(2.5e-4, events[1].LearningRates["te"], 12);
        Assert.All(events, e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0 && !e.Skipped));
        Assert.Equal(events.Select(e => e.Loss), MetricsLog.Read(trainer.MetricsPath).Select(s => s.Loss));
        Assert.Equal([8L, 6, 3], TrainCheckpoint.List(trainer.CheckpointDir).Select(c => c.Step));
    }

    // The TensorBoard event file read back as TensorBoard reads it: TFRecord framing with both masked
    // CRC-32Cs checked, then TorchSharp's Event protos: a file_version record, then per step its
    // scalars, equal to the step's metrics.jsonl line (as float32).
    [Fact]
    public void Run_TensorBoardOn_WritesEveryStepsScalarsAsEventRecords()
    {
        var trainer = new DiffusionTrainer(Small with { TensorBoard = true }, new ToyDiffusionTask(), _dir);
        trainer.Run(resume: false);

        var file = Assert.Single(Directory.GetFiles(trainer.TensorBoardDir, "events.out.tfevents.*"));
        var events = ReadEvents(file);
        var metrics = MetricsLog.Read(trainer.MetricsPath);

        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(metrics.Select(m => m.Step), events.Skip(1).Select(e => e.Step));
        foreach (var (e, m) in events.Skip(1).Zip(metrics))
        {
            var values = e.Summary.Value.ToDictionary(v => v.Tag, v => v.SimpleValue);
            Assert.Equal((float)m.Loss, values["train/loss"]);
            Assert.Equal((float)m.GradNorm, values["train/grad_norm"]);
            Assert.Equal((float)m.LossScale, values["train/loss_scale"]);
            Assert.Equal(m.LearningRates.Keys.Select(k => $"train/lr/{k}").Order(), values.Keys.Where(k => k.StartsWith("train/lr/", StringComparison.Ordinal)).Order());
            Assert.InRange(e.WallTime, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }
    }

    // CRC-32C's check value (RFC 3720 B.4 / the Castagnoli catalogue): "123456789" → 0xE3069283, then
    // TFRecord's mask: rotate right by 15 and add 0xa282ead8.
    [Fact]
    public void MaskedCrc_CheckValue_IsTheMaskedCastagnoliCrc()
    {
        const uint crc = 0xE3069283;
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u), TensorBoardLog.MaskedCrc("123456789"u8.ToArray()));
    }

    private static List<Tensorboard.Event> ReadEvents(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Tensorboard.Event>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at, 8));
            Assert.Equal(TensorBoardLog.MaskedCrc(bytes[at..(at + 8)]), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)));
            var data = bytes[(at + 12)..(at + 12 + length)];
            Assert.Equal(TensorBoardLog.MaskedCrc(data), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length, 4)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(data));
            at += 16 + length;
        }
        return events;
    }

    [Fact]
    public void Run_TwoEpochs_EndsEachEpochWithAShortWindow()
    {
        // 12 samples in buckets of 4 and 8, batch 2: 6 batches per epoch; accumulation 4 → windows of 4 and 2.
        var task = new ToyDiffusionTask();
        var trainer = new DiffusionTrainer(Small with { MaxSteps = 0, Epochs = 2, GradientAccumulation = 4 }, task, _dir);
        var epochs = new List<int>();
        trainer.StepCompleted += s => epochs.Add(s.Epoch);
        var result = trainer.Run(resume: false);
        Assert.Equal(4, result.Steps);
        Assert.Equal(12, task.Calls);
        Assert.Equal([0, 0, 1, 1], epochs);
    }

    [Fact]
    public void Run_FreshRunInUsedFolder_RefusesAndKeepsTheEarlierRun()
    {
        new DiffusionTrainer(Small, new ToyDiffusionTask(), _dir).Run(resume: false);
        var again = new DiffusionTrainer(Small with { MaxSteps = 3 }, new ToyDiffusionTask(), _dir);
        var e = Assert.Throws<InvalidOperationException>(() => again.Run(resume: false));
        Assert.Contains("--resume", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal([8L, 6, 3], TrainCheckpoint.List(again.CheckpointDir).Select(c => c.Step));
        Assert.Equal(8, MetricsLog.Read(again.MetricsPath).Count);
    }

    [Fact]
    public void Run_FreshRunInUsedFolderWithOverwrite_DropsOlderCheckpoints()
    {
        new DiffusionTrainer(Small, new ToyDiffusionTask(), _dir).Run(resume: false);
        var notes = new List<string>();
        var shorter = new DiffusionTrainer(Small with { MaxSteps = 3 }, new ToyDiffusionTask(), _dir) { Log = notes.Add };
        shorter.Run(resume: false, overwrite: true);
        Assert.Equal([3L], TrainCheckpoint.List(shorter.CheckpointDir).Select(c => c.Step));
        Assert.Equal(3, MetricsLog.Read(shorter.MetricsPath).Count);
        Assert.Contains(notes, n => n.Contains("removed 3 checkpoint(s)"));
    }

    [Fact]
    public void Run_NewestCheckpointDamaged_ResumesFromThePreviousOneAndSaysSo()
    {
        var reference = new ToyDiffusionTask();
        new DiffusionTrainer(Small, reference, Path.Combine(_dir, "a")).Run(resume: false);
        var dir = Path.Combine(_dir, "b");
        new DiffusionTrainer(Small with { MaxSteps = 6 }, new ToyDiffusionTask(), dir).Run(resume: false);
        var newest = TrainCheckpoint.PathFor(Path.Combine(dir, "checkpoints"), 6);
        File.WriteAllBytes(newest, File.ReadAllBytes(newest)[..100]);

        var notes = new List<string>();
        var task = new ToyDiffusionTask();
        var resumed = new DiffusionTrainer(Small, task, dir) { Log = notes.Add }.Run(resume: true);
        Assert.Equal(8, resumed.Steps);
        Assert.Contains(notes, n => n.Contains(newest) && n.Contains("unreadable"));
        Assert.Contains(notes, n => n.Contains("step-00000003") && n.Contains("resumed from"));
        foreach (var (key, expected) in reference.Snapshot())
            Assert.True(expected.Equals(task.Snapshot()[key]), $"{key} differs after resuming from the older checkpoint");
    }

    [Fact]
    public void Run_StopRequestedMidStep_FinishesTheStepAndCheckpointsIt()
    {
        using var stop = new CancellationTokenSource();
        var trainer = new DiffusionTrainer(Small with { CheckpointEverySteps = 0 }, new ToyDiffusionTask(), _dir);
        trainer.StepCompleted += s => { if (s.Step == 1) stop.Cancel(); };
        var result = trainer.Run(resume: false, stop.Token);
        // The request arrived during step 1's reporting; step 2 was already under way and finished.
        Assert.Equal(2, result.Steps);
        Assert.Equal(TrainCheckpoint.PathFor(trainer.CheckpointDir, 2), result.LastCheckpoint);
        Assert.Equal([2L], TrainCheckpoint.List(trainer.CheckpointDir).Select(c => c.Step));
    }

    // Rank 1 of 2 with accumulation 1 trains, at every step, the second micro-batch of what one
    // process with accumulation 2 trains: the same samples with the same noise and timesteps and
    // the same caption seed, because each draw is keyed by (seed, step, place in the global batch).
    [Fact]
    public void Run_SecondRankOfTwo_DrawsExactlyTheSecondHalfOfOneProcessesWindow()
    {
        var one = new ToyDiffusionTask { Record = true };
        new DiffusionTrainer(Small with { MaxSteps = 3, CheckpointEverySteps = 0 }, one, Path.Combine(_dir, "one")).Run(resume: false);
        var rank1 = new ToyDiffusionTask { Record = true };
        new DiffusionTrainer(Small with { MaxSteps = 3, CheckpointEverySteps = 0, GradientAccumulation = 1 }, rank1, Path.Combine(_dir, "rank1"), new Kohaku.Training.Tests.Distributed.EqualRanks(1, 2)).Run(resume: false);
        Assert.Equal(6, one.Seen.Count);
        Assert.Equal(3, rank1.Seen.Count);
        for (var step = 0; step < 3; step++)
        {
            var (expected, actual) = (one.Seen[2 * step + 1], rank1.Seen[step]);
            Assert.Equal(expected.MicroStep, actual.MicroStep);
            Assert.Equal(expected.Samples, actual.Samples);
            Assert.True(expected.Noisy.Equals(actual.Noisy), $"step {step}: noisy latents differ");
            Assert.True(expected.Timesteps.Equals(actual.Timesteps), $"step {step}: timesteps differ");
        }
    }

    [Fact]
    public void Run_KilledDuringCheckpointWriteThenResumed_EndsBitIdentical()
    {
        var reference = new ToyDiffusionTask();
        new DiffusionTrainer(Small, reference, Path.Combine(_dir, "a")).Run(resume: false);

        var killedDir = Path.Combine(_dir, "b");
        var killed = new DiffusionTrainer(Small, new ToyDiffusionTask(), killedDir);
        var checkpoints = 0;
        killed.BeforeCheckpointTensor = name =>
        {
            // Second checkpoint (step 6), half-way through its tensors: the process "dies" mid-write.
            if (name == "optim.unet.0.m") checkpoints++;
            if (checkpoints == 2 && name == "optim.unet.1.q") throw new IOException("killed");
        };
        Assert.Throws<IOException>(() => killed.Run(resume: false));
        Assert.Equal([3L], TrainCheckpoint.List(killed.CheckpointDir).Select(c => c.Step));
        Assert.Empty(Directory.GetFiles(killed.CheckpointDir, "*.tmp"));

        var resumedTask = new ToyDiffusionTask();
        var resumed = new DiffusionTrainer(Small, resumedTask, killedDir).Run(resume: true);
        Assert.Equal(8, resumed.Steps);
        foreach (var (key, expected) in reference.Snapshot())
            Assert.True(expected.Equals(resumedTask.Snapshot()[key]), $"{key} differs after resume");
        Assert.Equal(MetricsLog.Read(Path.Combine(_dir, "a", "metrics.jsonl")).Select(s => s.Loss), MetricsLog.Read(Path.Combine(killedDir, "metrics.jsonl")).Select(s => s.Loss));
    }

    // The research options in the same kill-and-resume test: EMA (restored from the checkpoint) and
    // validation (every 2 steps) come out bit-identical to the uninterrupted run.
    [Fact]
    public void Run_KilledWithEmaAndValidationThenResumed_EndsBitIdentical()
    {
        var config = Small with { Ema = true, EmaDecay = 0.3, ValidationEverySteps = 2 };
        using var reference = new DiffusionTrainer(config, new ToyDiffusionTask(heldOut: 3), Path.Combine(_dir, "a")).Run(resume: false).Ema!;

        var killedDir = Path.Combine(_dir, "b");
        var killed = new DiffusionTrainer(config, new ToyDiffusionTask(heldOut: 3), killedDir);
        killed.BeforeCheckpointTensor = name =>
        {
            // The second checkpoint (step 6) dies among its EMA tensors.
            if (name == "ema.mixer" && TrainCheckpoint.List(killed.CheckpointDir).Count == 1) throw new IOException("killed");
        };
        Assert.Throws<IOException>(() => killed.Run(resume: false));
        Assert.Equal([3L], TrainCheckpoint.List(killed.CheckpointDir).Select(c => c.Step));

        using var resumed = new DiffusionTrainer(config, new ToyDiffusionTask(heldOut: 3), killedDir).Run(resume: true).Ema!;
        var expected = reference.StateTensors().ToDictionary();
        foreach (var (key, value) in resumed.StateTensors())
            Assert.True(expected[key].Equals(value), $"EMA of {key} differs after resume");
        var (a, b) = (MetricsLog.Read(Path.Combine(_dir, "a", "metrics.jsonl")), MetricsLog.Read(Path.Combine(killedDir, "metrics.jsonl")));
        Assert.Equal([2L, 4, 6, 8], a.Where(m => m.ValidationLoss is not null).Select(m => m.Step));
        Assert.Equal(a.Select(m => (m.Loss, m.ValidationLoss)), b.Select(m => (m.Loss, m.ValidationLoss)));
    }

    // diffusers EMAModel.get_decay (update_after_step s, no warm-up): after step k, n = k − s − 1;
    // n ≤ 0 copies the weights, else min(decay, (1 + n)/(10 + n)).
    [Theory]
    [InlineData(1, 0, 0.9999, 0.0)]
    [InlineData(2, 0, 0.9999, 2.0 / 11)]
    [InlineData(11, 0, 0.9999, 11.0 / 20)]
    [InlineData(1000, 0, 0.9999, 1000.0 / 1009)]
    [InlineData(100000, 0, 0.9999, 0.9999)]
    [InlineData(5, 4, 0.9999, 0.0)]
    [InlineData(6, 4, 0.9999, 2.0 / 11)]
    [InlineData(50, 0, 0.5, 0.5)]
    public void EmaDecay_IsTheDiffusersSchedule(long step, long startStep, double maxDecay, double expected) =>
        Assert.Equal(expected, EmaWeights.Decay(step, maxDecay, startStep), 15);

    // The average after each step recomputed in float64 from the weights the step left (decay capped
    // at 0.3 from step 4 on); the previews at steps 4 and 8 are drawn with it and the raw weights are
    // back afterwards: the run ends where one without previews ends, bit for bit.
    [Fact]
    public void Run_EmaOn_AveragesEveryStepAndPreviewsFromTheAverage()
    {
        var config = Small with { Ema = true, EmaDecay = 0.3, SampleEverySteps = 4 };
        var task = new ToyDiffusionTask();
        var expected = Doubles(task.Snapshot()["conv"]);
        var atPreview = new List<double[]>();
        var trainer = new DiffusionTrainer(config, task, _dir);
        trainer.StepCompleted += s =>
        {
            var d = EmaWeights.Decay(s.Step, 0.3, 0);
            expected = expected.Zip(Doubles(task.Snapshot()["conv"]), (e, p) => e + (1 - d) * (p - e)).ToArray();
            if (s.Step % 4 == 0) atPreview.Add(expected);
        };
        using var ema = trainer.Run(resume: false).Ema!;

        Assert.Equal(0.3, EmaWeights.Decay(4, 0.3, 0));
        AssertClose(expected, Doubles(ema.StateTensors().ToDictionary()["conv"]));
        Assert.Equal(2, task.PreviewWeights.Count);
        for (var i = 0; i < 2; i++) AssertClose(atPreview[i], Doubles(task.PreviewWeights[i]));
        var plain = new ToyDiffusionTask();
        new DiffusionTrainer(config with { SampleEverySteps = 0 }, plain, Path.Combine(_dir, "plain")).Run(resume: false).Ema!.Dispose();
        Assert.True(plain.Snapshot()["conv"].Equals(task.Snapshot()["conv"]), "the raw weights were not restored after an EMA preview");
    }

    // Held-out samples are evaluated on schedule (every 3 steps and the last), at every validation
    // timestep, with the same noisy inputs each time and under any training seed; training never
    // sees them, and holding them out changes nothing in training.
    [Fact]
    public void Run_Validation_EvaluatesHeldOutSamplesOnScheduleWithFixedInputs()
    {
        var config = Small with { ValidationEverySteps = 3, ValidationTimesteps = [100, 900] };
        var task = new ToyDiffusionTask(heldOut: 3) { Record = true };
        var trainer = new DiffusionTrainer(config, task, _dir);
        trainer.Run(resume: false);
        var metrics = MetricsLog.Read(trainer.MetricsPath);

        Assert.Equal([3L, 6, 8], metrics.Where(m => m.ValidationLoss is not null).Select(m => m.Step));
        Assert.All(metrics.Where(m => m.ValidationLoss is not null), m => Assert.True(m.ValidationLoss > 0 && double.IsFinite(m.ValidationLoss.Value)));
        Assert.All(task.Seen, s => Assert.All(s.Samples, i => Assert.InRange(i, 0, 11)));
        // Per evaluation: batches {12, 13} and {14} at t = 100 and 900.
        Assert.Equal(12, task.SeenHeldOut.Count);
        Assert.Equal([[12, 13], [12, 13], [14], [14]], task.SeenHeldOut.Take(4).Select(s => s.Samples.ToArray()));
        Assert.Equal([[100L, 100], [900, 900], [100], [900]], task.SeenHeldOut.Take(4).Select(s => s.Timesteps.data<long>().ToArray()));
        for (var i = 0; i < 4; i++)
        {
            Assert.True(task.SeenHeldOut[i].Noisy.Equals(task.SeenHeldOut[i + 4].Noisy), $"call {i}: the second evaluation's inputs differ");
            Assert.True(task.SeenHeldOut[i].Noisy.Equals(task.SeenHeldOut[i + 8].Noisy), $"call {i}: the third evaluation's inputs differ");
        }

        var otherSeed = new ToyDiffusionTask(heldOut: 3) { Record = true };
        new DiffusionTrainer(config with { Seed = 7 }, otherSeed, Path.Combine(_dir, "seed7")).Run(resume: false);
        Assert.True(task.SeenHeldOut[0].Noisy.Equals(otherSeed.SeenHeldOut[0].Noisy), "validation inputs depend on the training seed");

        var none = new DiffusionTrainer(config, new ToyDiffusionTask(), Path.Combine(_dir, "none"));
        none.Run(resume: false);
        Assert.Equal(MetricsLog.Read(none.MetricsPath).Select(m => m.Loss), metrics.Select(m => m.Loss));
    }

    // Validation loss and previews in the event file: validation/loss equals the metrics line's value,
    // and each preview is an image summary holding the PNG file as written, with its size and RGB.
    [Fact]
    public void Run_TensorBoardOn_WritesValidationLossAndPreviewImages()
    {
        var config = Small with { TensorBoard = true, ValidationEverySteps = 4, SampleEverySteps = 4 };
        var trainer = new DiffusionTrainer(config, new ToyDiffusionTask(heldOut: 2), _dir);
        trainer.Run(resume: false);
        var events = ReadEvents(Assert.Single(Directory.GetFiles(trainer.TensorBoardDir, "events.out.tfevents.*")));
        var metrics = MetricsLog.Read(trainer.MetricsPath);

        var validation = events.Where(e => e.Summary?.Value.Any(v => v.Tag == "validation/loss") == true).ToList();
        Assert.Equal([4L, 8], validation.Select(e => e.Step));
        foreach (var e in validation)
            Assert.Equal((float)metrics.Single(m => m.Step == e.Step).ValidationLoss!.Value, e.Summary.Value.Single(v => v.Tag == "validation/loss").SimpleValue);
        var images = events.Where(e => e.Summary?.Value.Any(v => v.Image is not null) == true).ToList();
        Assert.Equal([4L, 8], images.Select(e => e.Step));
        foreach (var e in images)
        {
            var value = Assert.Single(e.Summary.Value);
            Assert.Equal("preview/0", value.Tag);
            Assert.Equal((3, 2, 3), (value.Image.Width, value.Image.Height, value.Image.Colorspace));
            Assert.Equal(File.ReadAllBytes(Path.Combine(trainer.PreviewDir, $"toy-{e.Step}.png")), value.Image.EncodedImageString.ToByteArray());
        }
    }

    private static double[] Doubles(TorchSharp.torch.Tensor t) => t.to(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void Run_ResumeWithOtherBatchSize_RefusesNamingTheField()
    {
        new DiffusionTrainer(Small with { MaxSteps = 3 }, new ToyDiffusionTask(), _dir).Run(resume: false);
        var e = Assert.Throws<InvalidDataException>(() => new DiffusionTrainer(Small with { BatchSize = 3 }, new ToyDiffusionTask(), _dir).Run(resume: true));
        Assert.Contains("batchSize 2 ≠ 3", e.Message);
    }

    [Fact]
    public void Run_ResumeUnderAnotherObjective_RefusesNamingBothFields()
    {
        new DiffusionTrainer(Small with { MaxSteps = 3 }, new ToyDiffusionTask(), _dir).Run(resume: false);
        var v = Small with { Prediction = Kohaku.Diffusion.Sampling.Prediction.V, ZeroTerminalSnr = true };
        var e = Assert.Throws<InvalidDataException>(() => new DiffusionTrainer(v, new ToyDiffusionTask(), _dir).Run(resume: true));
        Assert.Contains("objective epsilon ≠ v+ztsnr (train.prediction, train.zeroTerminalSnr)", e.Message);
    }

    [Fact]
    public void Run_InjectedOverflow_SkipsStepBacksOffScaleAndHoldsSchedule()
    {
        var task = new ToyDiffusionTask();
        var notes = new List<string>();
        var trainer = new DiffusionTrainer(Small with { Precision = TrainPrecision.Fp16, MaxSteps = 5, CheckpointEverySteps = 0 }, task, _dir) { InjectOverflow = step => step == 2, Log = notes.Add };
        var events = new List<TrainStep>();
        var weights = new List<Dictionary<string, TorchSharp.torch.Tensor>>();
        trainer.StepCompleted += e => { events.Add(e); weights.Add(task.Snapshot()); };
        var result = trainer.Run(resume: false);
        Assert.Equal(1, result.SkippedSteps);
        Assert.Equal([false, false, true, false, false], events.Select(e => e.Skipped));
        Assert.Equal([65536.0, 65536, 65536, 32768, 32768], events.Select(e => e.LossScale));
        // Step 3 was skipped: its weights equal step 2's and step 4 runs at step 3's (unadvanced) lr.
        foreach (var key in weights[1].Keys) Assert.True(weights[1][key].Equals(weights[2][key]), key);
        Assert.Equal(events[2].LearningRates["unet"], events[3].LearningRates["unet"]);
        // The skip names where the gradient went non-finite (the injected +inf sits in the first trained tensor).
        Assert.Equal(["train: step 3: non-finite gradient in 1 of 3 tensors (first: conv) at loss scale 65536; the step is skipped"], notes);
    }

    [Fact]
    public void Run_NonFiniteLossBeyondLimit_StopsNamingLastGoodCheckpoint()
    {
        // 2 micro-batches per step: calls 13+ are NaN, i.e. from step 7 on.
        var task = new ToyDiffusionTask { NanAfterCalls = 12 };
        var config = Small with { MaxSteps = 20, MaxConsecutiveNonFinite = 2 };
        var trainer = new DiffusionTrainer(config, task, _dir);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run(resume: false));
        Assert.Equal(9, e.Step);
        Assert.Equal(TrainCheckpoint.PathFor(trainer.CheckpointDir, 6), e.LastCheckpoint);
        Assert.Contains("NaN", e.Message);
        using var last = TrainCheckpoint.Read(e.LastCheckpoint!);
        Assert.All(last.WithPrefix("param.").Values, t => Assert.True(t.isfinite().all().item<bool>()));
    }

    [Fact]
    public void Run_OverfitFewSamples_LossDecreases()
    {
        var config = Small with { MaxSteps = 40, WarmupSteps = 0, Optimizer = OptimizerKind.AdamW, UnetLearningRate = 2e-2, TextEncoderLearningRate = 2e-2, MinSnrGamma = 0, NoiseOffset = 0, CheckpointEverySteps = 0 };
        var trainer = new DiffusionTrainer(config, new ToyDiffusionTask(4), _dir);
        var losses = new List<double>();
        trainer.StepCompleted += s => losses.Add(s.Loss);
        trainer.Run(resume: false);
        Assert.True(losses.TakeLast(10).Average() < 0.8 * losses.Take(10).Average(), $"first {losses.Take(10).Average()}, last {losses.TakeLast(10).Average()}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
