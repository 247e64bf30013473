using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Loss;

// kohya's per-step loss (kohya-sdxl.md §0 step 5): element-wise MSE in fp32, mean over C,H,W,
// times the per-sample min-SNR weight, mean over the batch.
public static class DiffusionLoss
{
    public static Tensor Compute(Tensor prediction, Tensor target, Tensor? sampleWeights)
    {
        using var scope = NewDisposeScope();
        var diff = prediction.to(ScalarType.Float32) - target.to(ScalarType.Float32);
        var perSample = diff.mul(diff).flatten(1).mean([1]);
        if (sampleWeights is not null) perSample = perSample * sampleWeights.to(ScalarType.Float32);
        return perSample.mean().MoveToOuterDisposeScope();
    }
}
