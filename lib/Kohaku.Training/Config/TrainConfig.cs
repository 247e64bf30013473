using Kohaku.Data.Config;
using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Schedule;
namespace Kohaku.Training.Config;

public enum OptimizerKind { Lion8bit, Lion, AdamW }

// Auto: fp16 frozen base with loss scaling on CUDA, fp32 on CPU (fp16 training on CPU is pathologically slow).
public enum TrainPrecision { Auto, Fp32, Bf16, Fp16 }

// Run-file section "train". Defaults are the Kohaku XL Δ run (card "Other Training Details" and its
// train_script.sh, kohya-sdxl.md §10): Lion8bit, lr 4e-5 UNet / 1e-5 text encoders, constant schedule
// after 100 warm-up steps, wd 0.1, betas (0.9, 0.95), batch 4 × accumulation 16, min-SNR γ 5, fp16.
public sealed record TrainConfig : ISectionConfig
{
    public long Seed { get; init; } = 1337;
    // Both per rank, as in kohya: Δ ran 4 × 16 on 2 GPUs = 128 images per optimizer step; on one
    // device set gradientAccumulation 32 for the same 128 (kohya-sdxl.md §9).
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 16;
    public int Epochs { get; init; } = 1;
    // Optimizer steps to stop after; 0 lets Epochs decide.
    public long MaxSteps { get; init; }

    public double UnetLearningRate { get; init; } = 4e-5;
    public double TextEncoderLearningRate { get; init; } = 1e-5;
    public bool TrainTextEncoders { get; init; } = true;
    // Counted in optimizer steps; the first step runs at lr 0 as in kohya.
    public int WarmupSteps { get; init; } = 100;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Lion8bit;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double WeightDecay { get; init; } = 0.1;
    public double AdamEpsilon { get; init; } = 1e-8;
    // bitsandbytes min_8bit_size: smaller tensors keep fp32 optimizer state.
    public int Min8BitSize { get; init; } = 4096;
    public double MaxGradNorm { get; init; } = 1.0;

    // 0 turns min-SNR weighting off.
    public double MinSnrGamma { get; init; } = 5;
    // kohya --noise_offset (Δ: 0.05): ε += offset·N(0,1) per sample and channel.
    public double NoiseOffset { get; init; } = 0.05;
    // kohya --v_parameterization: "v" trains (and previews) a v-prediction model, the target being
    // v = √ᾱ·ε − √(1−ᾱ)·x₀ and min-SNR weights min(SNR, γ)/(SNR + 1).
    public Prediction Prediction { get; init; } = Prediction.Epsilon;
    // kohya --zero_terminal_snr: noise is added on the rescaled schedule whose t = 999 is pure noise;
    // previews then sample on it too. Needs prediction v.
    public bool ZeroTerminalSnr { get; init; }

    public TrainPrecision Precision { get; init; } = TrainPrecision.Auto;
    public double InitialLossScale { get; init; } = 65536;
    public int LossScaleGrowthInterval { get; init; } = 2000;
    // A run stops (keeping its last good checkpoint) after this many non-finite losses in a row.
    public int MaxConsecutiveNonFinite { get; init; } = 5;
    // kohya --min_timestep / --max_timestep: timesteps are drawn from [min, max); and how
    // (Schedule/TimestepSampler): uniform as kohya, or logit-normal with this mean and std.
    public int MinTimestep { get; init; }
    public int MaxTimestep { get; init; } = 1000;
    public TimestepDistribution TimestepDistribution { get; init; } = TimestepDistribution.Uniform;
    public double LogitMean { get; init; }
    public double LogitStd { get; init; } = 1;

    // Δ used --gradient_checkpointing: UNet blocks recompute their activations in backward.
    public bool GradientCheckpointing { get; init; } = true;

    // Latents sampled once from the fp32 VAE posterior and kept on disk per image and bucket.
    public bool CacheLatents { get; init; } = true;
    public bool ShuffleCaption { get; init; } = true;
    public double CaptionTagDropout { get; init; } = 0.1;
    // kohya --caption_dropout_rate: the whole caption is left empty with this probability (0 = off).
    public double CaptionDropout { get; init; }
    public string KeepTokensSeparator { get; init; } = "|||";

    // Δ saved every 2000 steps; 0 = only at the end.
    public int CheckpointEverySteps { get; init; } = 2000;
    public int KeepCheckpoints { get; init; } = 2;

    // Preview images (0 = none) from fixed prompts and seeds, kohya's sampling defaults.
    public int SampleEverySteps { get; init; }
    public IReadOnlyList<string> SamplePrompts { get; init; } = [];
    public long SampleSeed { get; init; } = 1337;
    public int SampleSteps { get; init; } = 30;
    public double SampleGuidance { get; init; } = 7.5;
    public int SampleWidth { get; init; } = 512;
    public int SampleHeight { get; init; } = 512;

    // Data-parallel ranks the stage launches through mpirun (notebook 05, `kohaku run`, a plain
    // `kohaku train`); 1 trains in this process. Under `mpirun -np N kohaku train` the launcher decides.
    public int Processes { get; init; } = 1;
    // With several ranks, compare a checksum of the trained weights across ranks every this many
    // steps and stop if they differ (0 = never).
    public int RankCheckEverySteps { get; init; } = 50;
    // Each step's loss, learning rates, gradient norm, loss scale and images/s also as TensorBoard
    // event files under train/tensorboard (`tensorboard --logdir`).
    public bool TensorBoard { get; init; }

    // An exponential moving average of the trained weights (Trainer/EmaWeights: diffusers' schedule,
    // decay min(emaDecay, (1+n)/(10+n)) from emaStartStep), kept in checkpoints, saved as
    // lokr-ema.safetensors beside lokr.safetensors, and used for previews when emaPreviews is on.
    public bool Ema { get; init; }
    public double EmaDecay { get; init; } = 0.9999;
    public long EmaStartStep { get; init; }
    public bool EmaPreviews { get; init; } = true;

    // Validation loss on held-out images (never trained on): validationCount picked by validationSeed,
    // or the posts in validationIds. Evaluated every validationEverySteps steps (0: at the last step
    // only) at each of validationTimesteps with noise fixed per image and timestep, so the curve
    // compares across steps and across runs of any seed (kohya's timesteps 200/400/600/800).
    public int ValidationCount { get; init; }
    public IReadOnlyList<long> ValidationIds { get; init; } = [];
    public int ValidationEverySteps { get; init; }
    public IReadOnlyList<int> ValidationTimesteps { get; init; } = [200, 400, 600, 800];
    public long ValidationSeed { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Validates => ValidationCount > 0 || ValidationIds.Count > 0;

    // CLIP tokenizer folder (vocab.json, merges.txt), relative to the run file.
    public string Tokenizer { get; init; } = "sample/tokenizer";

    // Per rank; computed, so not a run-file field.
    [System.Text.Json.Serialization.JsonIgnore]
    public int EffectiveBatch => BatchSize * GradientAccumulation;

    public IReadOnlyList<string> Problems()
    {
        var e = new List<string>();
        void Need(bool ok, string field, object value, string rule)
        {
            if (!ok) e.Add($"train.{field}: {value} {rule}");
        }
        Need(BatchSize is >= 1 and <= 1024, "batchSize", BatchSize, "must be in [1, 1024] (images per micro-batch on one rank)");
        Need(GradientAccumulation is >= 1 and <= 65536, "gradientAccumulation", GradientAccumulation, "must be in [1, 65536]");
        Need(Epochs >= 1 || MaxSteps > 0, "epochs", Epochs, "must be ≥ 1 unless maxSteps is set");
        Need(MaxSteps >= 0, "maxSteps", MaxSteps, "must be ≥ 0");
        Need(UnetLearningRate >= 0 && double.IsFinite(UnetLearningRate), "unetLearningRate", UnetLearningRate, "must be finite and ≥ 0");
        Need(TextEncoderLearningRate >= 0 && double.IsFinite(TextEncoderLearningRate), "textEncoderLearningRate", TextEncoderLearningRate, "must be finite and ≥ 0");
        Need(WarmupSteps >= 0, "warmupSteps", WarmupSteps, "must be ≥ 0");
        Need(Beta1 is >= 0 and < 1, "beta1", Beta1, "must be in [0, 1)");
        Need(Beta2 is >= 0 and < 1, "beta2", Beta2, "must be in [0, 1)");
        Need(WeightDecay >= 0, "weightDecay", WeightDecay, "must be ≥ 0");
        Need(AdamEpsilon >= 0, "adamEpsilon", AdamEpsilon, "must be ≥ 0");
        Need(Min8BitSize >= 1, "min8BitSize", Min8BitSize, "must be ≥ 1");
        Need(MaxGradNorm > 0, "maxGradNorm", MaxGradNorm, "must be > 0");
        Need(MinSnrGamma >= 0, "minSnrGamma", MinSnrGamma, "must be ≥ 0 (0 = off)");
        Need(NoiseOffset >= 0, "noiseOffset", NoiseOffset, "must be ≥ 0");
        Need(Enum.IsDefined(Prediction), "prediction", Prediction, "must be epsilon or v");
        // kohya only warns: an ε model cannot recover x₀ from pure noise at ᾱ = 0, so it could not be sampled.
        Need(!ZeroTerminalSnr || Prediction == Prediction.V, "zeroTerminalSnr", "true", "needs prediction \"v\" (at ᾱ = 0 an ε-prediction model cannot recover the image)");
        Need(InitialLossScale > 0, "initialLossScale", InitialLossScale, "must be > 0");
        Need(LossScaleGrowthInterval >= 1, "lossScaleGrowthInterval", LossScaleGrowthInterval, "must be ≥ 1");
        Need(MaxConsecutiveNonFinite >= 1, "maxConsecutiveNonFinite", MaxConsecutiveNonFinite, "must be ≥ 1");
        Need(CaptionTagDropout is >= 0 and < 1, "captionTagDropout", CaptionTagDropout, "must be in [0, 1)");
        Need(CaptionDropout is >= 0 and <= 1, "captionDropout", CaptionDropout, "must be in [0, 1]");
        Need(MinTimestep is >= 0 and < 1000, "minTimestep", MinTimestep, "must be in [0, 1000)");
        Need(MaxTimestep > MinTimestep && MaxTimestep <= 1000, "maxTimestep", MaxTimestep, $"must be in ({MinTimestep}, 1000]");
        Need(double.IsFinite(LogitMean), "logitMean", LogitMean, "must be finite");
        Need(LogitStd > 0 && double.IsFinite(LogitStd), "logitStd", LogitStd, "must be finite and > 0");
        Need(!string.IsNullOrEmpty(KeepTokensSeparator) && !KeepTokensSeparator.Contains(','), "keepTokensSeparator", $"\"{KeepTokensSeparator}\"", "must be non-empty and hold no ','");
        Need(CheckpointEverySteps >= 0, "checkpointEverySteps", CheckpointEverySteps, "must be ≥ 0");
        Need(KeepCheckpoints >= 1, "keepCheckpoints", KeepCheckpoints, "must be ≥ 1");
        Need(Processes is >= 1 and <= 4096, "processes", Processes, "must be in [1, 4096]");
        Need(RankCheckEverySteps >= 0, "rankCheckEverySteps", RankCheckEverySteps, "must be ≥ 0 (0 = never)");
        Need(EmaDecay is >= 0 and <= 1, "emaDecay", EmaDecay, "must be in [0, 1]");
        Need(EmaStartStep >= 0, "emaStartStep", EmaStartStep, "must be ≥ 0");
        Need(ValidationCount is >= 0 and <= 1_000_000, "validationCount", ValidationCount, "must be in [0, 1000000]");
        Need(ValidationCount == 0 || ValidationIds.Count == 0, "validationIds", $"[{ValidationIds.Count} ids]", "cannot be combined with validationCount > 0 (choose one)");
        Need(ValidationIds.Distinct().Count() == ValidationIds.Count, "validationIds", $"[{string.Join(", ", ValidationIds.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).Take(3))}]", "holds duplicates");
        Need(ValidationEverySteps >= 0, "validationEverySteps", ValidationEverySteps, "must be ≥ 0 (0 = at the last step only)");
        Need(!Validates || ValidationTimesteps.Count > 0, "validationTimesteps", "[]", "must hold at least one timestep when validating");
        Need(ValidationTimesteps.All(t => t is >= 0 and < 1000), "validationTimesteps", $"[{string.Join(", ", ValidationTimesteps)}]", "must each be in [0, 1000)");
        Need(SampleEverySteps >= 0, "sampleEverySteps", SampleEverySteps, "must be ≥ 0");
        Need(SampleEverySteps == 0 || SamplePrompts.Count > 0, "samplePrompts", "[]", "must hold at least one prompt when sampleEverySteps > 0");
        Need(!string.IsNullOrWhiteSpace(Tokenizer), "tokenizer", "\"\"", "must name the tokenizer folder");
        Need(SampleSteps is >= 1 and <= 1000, "sampleSteps", SampleSteps, "must be in [1, 1000]");
        Need(SampleWidth is >= 64 and <= MaxSampleSide && SampleWidth % 8 == 0, "sampleWidth", SampleWidth, $"must be a multiple of 8 in [64, {MaxSampleSide}]");
        Need(SampleHeight is >= 64 and <= MaxSampleSide && SampleHeight % 8 == 0, "sampleHeight", SampleHeight, $"must be a multiple of 8 in [64, {MaxSampleSide}]");
        for (var i = 0; i < SamplePrompts.Count; i++)
        {
            var p = Preview(i);
            Need(p.Prompt.Trim().Length > 0, $"samplePrompts[{i}]", $"\"{SamplePrompts[i]}\"", "has no prompt before its options");
            Need(p.Settings.Width <= MaxSampleSide && p.Settings.Height <= MaxSampleSide, $"samplePrompts[{i}]", $"{p.Settings.Width}x{p.Settings.Height}", $"must fit in {MaxSampleSide}x{MaxSampleSide} (--w, --h)");
        }
        return e;
    }

    // kohya's largest bucket side; a bigger preview would not be what the model was trained on.
    public const int MaxSampleSide = 4096;

    // What the config cannot do on this device: fp16 training on CPU (libtorch's fp16 conv weight
    // gradients on CPU are orders of magnitude slower than fp32). Checked with the run file, before
    // notebook 01, and again by the trainer for callers that skip the run-file check.
    public IReadOnlyList<string> DeviceProblems(TorchSharp.torch.Device device) =>
        Precision == TrainPrecision.Fp16 && device.type != TorchSharp.DeviceType.CUDA
            ? [$"train.precision: fp16 needs a CUDA device (this one is {device.type.ToString().ToLowerInvariant()}); use auto, fp32 or bf16"]
            : [];

    public TrainConfig Validate() => SectionConfig.Validated(this, "train");

    // The one place the caption augmentation is made from: the trainer's batches and notebook 02's demo.
    public Kohaku.Data.Captions.CaptionAugmenter CaptionAugmenter() => new(CaptionTagDropout, ShuffleCaption, KeepTokensSeparator, CaptionDropout);

    public TimestepSampler TimestepSampler() => new(MinTimestep, MaxTimestep, TimestepDistribution, LogitMean, LogitStd);

    // The sampler settings of preview prompt `index` before its own options (seeds count up from SampleSeed).
    public SampleSettings PreviewSettings(int index = 0) =>
        new(SampleWidth, SampleHeight, SampleSteps, SampleGuidance, SampleSeed + index, Prediction: Prediction, ZeroTerminalSnr: ZeroTerminalSnr);

    // Preview prompt `index` with its kohya-style options (--n --w --h --s --l --d) applied.
    public SamplePrompt Preview(int index) => SamplePrompt.Parse(SamplePrompts[index], PreviewSettings(index));
}
