using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Precision;

// torch.nn.utils.clip_grad_norm_ over all trainable parameters (kohya-sdxl.md §0 step 7): total L2
// norm of every gradient; if it exceeds maxNorm, all gradients are scaled by maxNorm / (norm + 1e-6).
// TorchSharp's own version zeroes finite grads when one is inf; here a non-finite norm leaves the
// gradients alone and is returned, and the caller skips the step.
public static class GradientClipping
{
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        var list = parameters.ToList();
        var total = GlobalNorm(list);
        Clip(list, total, maxNorm);
        return total;
    }

    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        var norms = stack(grads.Select(g => g.to(ScalarType.Float32).norm()).ToArray());
        return norms.norm().item<float>();
    }

    // Scales the gradients for a global norm found earlier (data-parallel ranks agree on it first).
    public static void Clip(IEnumerable<Parameter> parameters, double norm, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max grad norm must be > 0");
        if (!double.IsFinite(norm)) return;
        var coefficient = maxNorm / (norm + 1e-6);
        if (coefficient >= 1) return;
        using var noGrad = no_grad();
        foreach (var p in parameters)
            if (p.grad is { } g) Scalars.With(coefficient, g.mul_);
    }
}
