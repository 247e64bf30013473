using Kohaku.Training.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Trainer;

public enum GroupKind { Unet, TextEncoder }

// Trainable tensors of one kind; Key names each one in checkpoints (the adapter's own key).
public sealed record TrainableGroup(string Name, GroupKind Kind, IReadOnlyList<(string Key, Parameter Parameter)> Parameters);

// What the diffusion trainer needs from the model side: the data (buckets of sample indices,
// latents per batch) and an ε-prediction for noisy latents. The trainer owns noise, timesteps,
// loss, optimizer, precision and checkpoints; the task owns captions, text encoders and the UNet,
// so the loop is tested on a toy denoiser and runs SDXL unchanged.
public interface IDiffusionTask
{
    Device Device { get; }

    IReadOnlyList<TrainableGroup> TrainableGroups { get; }

    // buckets[b] = sample indices in bucket b; one batch never mixes buckets.
    IReadOnlyList<IReadOnlyList<int>> Buckets { get; }

    // Scaled latents [B,4,h,w] fp32 on Device; a posterior sample, if one is drawn, for sample k
    // uses rngs[k] (that sample's own generator, so it does not depend on which rank draws it).
    Tensor Latents(SampleBatch batch, IReadOnlyList<Generator> rngs);

    // The model output (any float dtype) for x_t at integer timesteps [B]: ε, or v when
    // train.prediction is v (the name predates v-prediction; DiffusionObjective picks the target).
    // microStep (the micro-batch's place in the run over all ranks: step × micro-batches per step +
    // its index in the step) seeds this fetch's caption shuffle and tag dropout
    // (CaptionAugmenter.Augment(caption, seed, microStep, indexInBatch)), so neither the rank count
    // nor a resume changes them.
    Tensor PredictNoise(Tensor noisyLatents, Tensor timesteps, SampleBatch batch, long microStep);

    // Around one optimizer step's micro-batches (the trainable parameters do not change in between):
    // BeginAccumulation before the first forward, EndAccumulation after the last backward and before
    // the gradients are unscaled and clipped; by then every gradient must be in the parameters' grad.
    // A task may build what depends only on the parameters once per step (LoKr's ΔW).
    void BeginAccumulation() { }

    void EndAccumulation() { }

    // Held-out batches for the validation loss: samples that are in no bucket of Buckets, so never
    // trained on. None by default.
    IReadOnlyList<SampleBatch> ValidationBatches => [];

    // The model output for a held-out batch: captions as written, without the per-step shuffle and
    // dropout, so each evaluation sees the same conditioning.
    Tensor PredictHeldOut(Tensor noisyLatents, Tensor timesteps, SampleBatch batch) => PredictNoise(noisyLatents, timesteps, batch, 0);
}

// Optional: a task that can render preview images from its current weights.
public interface IPreviewTask
{
    IReadOnlyList<string> WritePreviews(long step, string directory);
}
