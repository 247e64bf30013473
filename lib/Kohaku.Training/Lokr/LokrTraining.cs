using System.Globalization;
using Kohaku.Data;
using Kohaku.Data.Export;
using Kohaku.Data.Images;
using Kohaku.Diffusion;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Training.Config;
using Kohaku.Training.Distributed;
using Kohaku.Training.Trainer;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Lokr;

// Stage 5 entry point (`kohaku train`, notebook 05): loads the base checkpoint in the precision's
// dtype and freezes it, attaches LoKr (fp32 factors), runs the DiffusionTrainer on the bucketed,
// captioned images, and writes workDir/lokr.safetensors once every step is done. Under MPI every
// rank runs this with its communicator; rank 0 alone logs and writes.
public static class LokrTraining
{
    public static TrainResult Run(TrainConfig config, LokrConfig lokr, TrainPaths paths, bool resume,
        Action<TrainStep>? onStep = null, Action<string>? log = null, CancellationToken cancel = default, IProgress<StageProgress>? progress = null,
        ICommunicator? communicator = null, bool overwrite = false)
    {
        var problems = paths.Problems();
        if (problems.Count > 0) throw new FileNotFoundException("train: " + string.Join("; ", problems));
        communicator ??= SingleProcess.Instance;
        if (config.Processes > 1 && communicator is SingleProcess)
            return MpiLaunch.Train(config, lokr, paths, resume, overwrite, onStep is null && progress is null ? null : s =>
            {
                onStep?.Invoke(s);
                progress?.Report(Progress(s));
            }, log, cancel);
        if (communicator.Rank != 0) log = null;

        var device = RankPlacement.Apply(communicator);
        var precision = DiffusionTrainer.ResolvePrecision(config.Precision, device);
        if (config.DeviceProblems(device) is [var deviceProblem, ..]) throw new ArgumentException(deviceProblem);
        var dtype = precision switch { TrainPrecision.Fp16 => ScalarType.Float16, TrainPrecision.Bf16 => ScalarType.BFloat16, _ => ScalarType.Float32 };
        log?.Invoke($"train: {TorchRuntime.Describe()}, base in {dtype}, LoKr in fp32, {config.Optimizer}");
        if (communicator.Size > 1)
            log?.Invoke($"train: {communicator.Describe()}; {config.BatchSize} × {config.GradientAccumulation} per rank, {config.BatchSize * config.GradientAccumulation * communicator.Size} images per optimizer step, device {device}{(device.type == DeviceType.CPU ? $" with {get_num_threads()} threads" : "")}");

        using var models = SdxlCheckpoint.Load(paths.BaseCheckpoint, null, device, dtype);
        // Latents come from an fp32 VAE whatever the UNet runs in (the SDXL VAE overflows in fp16).
        if (models.Vae.parameters().First().dtype != ScalarType.Float32) models.Vae.to(ScalarType.Float32);
        foreach (var (_, module) in models.Components())
            foreach (var p in module.parameters()) p.requires_grad = false;
        // Fresh adapters are random in w1; the training seed fixes them so a resumed run builds the same.
        manual_seed(config.Seed);
        using var network = LokrNetwork.Build(models, lokr with { TrainTextEncoders = lokr.TrainTextEncoders && config.TrainTextEncoders }, device, ScalarType.Float32);
        var tokenizer = ClipTokenizer.FromFolder(paths.TokenizerDir);

        var buckets = BucketsFile.Read(paths.BucketsJson);
        var (samples, heldOut) = TrainSample.HoldOut(TrainSample.Join(buckets, CaptionsFile.Read(paths.CaptionsJsonl), log), config);
        using var images = new BucketImageLoader(buckets.Config, ImageSourceSet.Open(paths.ImageFolders, log), ownsSource: true);
        var task = new SdxlLokrTask(models, network, tokenizer, samples, id => images.Load(id), config, new LatentCache(paths.LatentDir, config.Seed), device, heldOut);
        log?.Invoke($"train: {samples.Count} images in {task.Buckets.Count} buckets{(heldOut.Count > 0 ? $" ({heldOut.Count} more held out for validation)" : "")}, {network.Modules.Count} LoKr modules, {network.ParameterCount:N0} trainable parameters");

        var trainer = new DiffusionTrainer(config, task, paths.TrainDir, communicator) { Log = log };
        if (onStep is not null) trainer.StepCompleted += onStep;
        if (progress is not null)
            trainer.StepCompleted += s => progress.Report(Progress(s));
        var result = trainer.Run(resume, cancel, overwrite);
        using var ema = result.Ema;
        if (result.Steps < result.TotalSteps)
        {
            // Stopped early: lokr.safetensors marks a finished stage, so only the checkpoint is written.
            log?.Invoke($"train: stopped at step {result.Steps}/{result.TotalSteps}; continue with resume from {result.LastCheckpoint}");
            return result;
        }
        if (communicator.Rank != 0) return result;
        var metadata = Metadata(config, result, samples.Count);
        LokrFile.Save(paths.LokrOutput, network, lokr.SaveSafeDType, metadata);
        log?.Invoke($"train: {result.Steps}/{result.TotalSteps} steps ({result.SkippedSteps} skipped), wrote {paths.LokrOutput}");
        if (ema is not null)
        {
            using (ema.SwappedIn())
                LokrFile.Save(paths.LokrEmaOutput, network, lokr.SaveSafeDType, new Dictionary<string, string>(metadata)
                {
                    ["ss_ema_decay"] = config.EmaDecay.ToString("R", CultureInfo.InvariantCulture),
                    ["ss_ema_start_step"] = config.EmaStartStep.ToString(CultureInfo.InvariantCulture),
                });
            log?.Invoke($"train: wrote the EMA weights to {paths.LokrEmaOutput}");
        }
        return result;
    }

    private static StageProgress Progress(TrainStep s) =>
        new("train", s.Step, s.TotalSteps, string.Create(CultureInfo.InvariantCulture,
            $"loss {s.Loss:F4}{(s.ValidationLoss is { } v ? $", validation {v:F4}" : "")}, {s.ImagesPerSecond:F2} img/s"));

    // kohya's ss_* training keys that apply to this run (kohya-sdxl.md §6.4); values are strings.
    private static Dictionary<string, string> Metadata(TrainConfig c, TrainResult r, int images) => new()
    {
        ["ss_unet_lr"] = c.UnetLearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["ss_text_encoder_lr"] = c.TextEncoderLearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["ss_optimizer"] = $"{c.Optimizer}(betas=({c.Beta1},{c.Beta2}),weight_decay={c.WeightDecay})",
        ["ss_lr_scheduler"] = "constant_with_warmup",
        ["ss_lr_warmup_steps"] = c.WarmupSteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_min_snr_gamma"] = c.MinSnrGamma.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_noise_offset"] = c.NoiseOffset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_zero_terminal_snr"] = c.ZeroTerminalSnr ? "True" : "False",
        ["modelspec.prediction_type"] = c.Prediction == Kohaku.Diffusion.Sampling.Prediction.V ? "v" : "epsilon",
        ["ss_max_grad_norm"] = c.MaxGradNorm.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_gradient_accumulation_steps"] = c.GradientAccumulation.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_num_train_images"] = images.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_steps"] = r.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_max_train_steps"] = r.TotalSteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_caption_tag_dropout_rate"] = c.CaptionTagDropout.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_caption_dropout_rate"] = c.CaptionDropout.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ss_keep_tokens_separator"] = c.KeepTokensSeparator,
    };
}
