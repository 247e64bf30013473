using Kohaku.Diffusion.Nn;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// Euler's method on the probability-flow ODE dx/dσ = (x − D(x, σ))/σ (Karras et al. 2022, Alg. 1
// without churn), as k-diffusion's sample_euler.
public sealed class EulerSampler : ISampler
{
    public string Name => "euler";

    public Tensor Sample(Denoiser model, Tensor x, IReadOnlyList<double> sigmas, Action<SamplerStep>? callback = null)
    {
        x = x.alias();
        for (var i = 0; i < sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            var denoised = model(x, sigmas[i]);
            callback?.Invoke(new SamplerStep(i, sigmas.Count - 1, sigmas[i], x, denoised));
            // d = (x − D)/σ; x ← x + d·(σ_next − σ)
            var d = (x - denoised).DividedBy(sigmas[i]);
            var next = x.Plus(d.Times(sigmas[i + 1] - sigmas[i]));
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }
}
