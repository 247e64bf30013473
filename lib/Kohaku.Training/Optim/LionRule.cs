using Kohaku.Diffusion.Nn;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// The part of the Lion step shared by the fp32 and 8-bit state variants: decay with the old p,
// then the sign step from the old momentum (lion8bit.md §1.1 steps 1–3).
internal static class LionRule
{
    public static void Validate(double beta1, double beta2, double weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be ≥ 0");
    }

    public static void Apply(Tensor p, Tensor g, Tensor mOld, double lr, double beta1, double weightDecay, Func<Tensor, Tensor> sgn)
    {
        if (weightDecay > 0) Scalars.With(1 - lr * weightDecay, p.mul_);
        var c = mOld.Times(beta1).Plus(g.Times(1 - beta1));
        p.sub_(sgn(c).Times(lr));   // sub_ takes no alpha Scalar
    }

    // The whole step with fp32 momentum updated in place: m ← β2·m + (1−β2)·g after the sign step.
    public static void Step(Tensor p, Tensor g, Tensor m, double lr, double beta1, double beta2, double weightDecay, Func<Tensor, Tensor> sgn)
    {
        Apply(p, g, m, lr, beta1, weightDecay, sgn);
        Scalars.With(beta2, m.mul_);
        Scalars.With(1 - beta2, alpha => m.add_(g, alpha));
    }
}
