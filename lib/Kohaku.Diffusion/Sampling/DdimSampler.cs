using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// DDIM (Song et al. 2020, eq. 12) written on the σ ladder: ᾱ = 1/(1+σ²), the VP sample is x·√ᾱ.
// With eta 0 the update reduces to x₀ + σ_next·ε, i.e. Euler on the same ladder; eta > 0 re-injects
// fresh noise from `noise` (eta 1 is DDPM-like ancestral sampling). The ladder's final 0 does not
// mean ᾱ = 1 here: as diffusers' DDIMScheduler under SDXL base's scheduler config
// (set_alpha_to_one: false), the last step lands on finalAlphaCumprod (default ᾱ₀ of the training
// schedule, 0.99915) and returns that VP sample, √ᾱ₀·x₀ + √(1−ᾱ₀)·ε, which the pipeline decodes.
// finalAlphaCumprod 1 is set_alpha_to_one: true, ending on x₀.
public sealed class DdimSampler(double eta = 0.0, Generator? noise = null, double? finalAlphaCumprod = null) : ISampler
{
    public static double SdxlFinalAlphaCumprod { get; } = NoiseSchedule.ScaledLinear().AlphasCumprod[0];

    private readonly double finalAlpha = finalAlphaCumprod ?? SdxlFinalAlphaCumprod;

    public string Name => "ddim";

    // ᾱ of the sample step i produces (diffusers' alpha_prod_t_prev).
    public double PrevAlphaCumprod(IReadOnlyList<double> sigmas, int i) =>
        sigmas[i + 1] == 0 ? finalAlpha : 1 / (1 + sigmas[i + 1] * sigmas[i + 1]);

    public Tensor Sample(Denoiser model, Tensor x, IReadOnlyList<double> sigmas, Action<SamplerStep>? callback = null)
    {
        if (eta > 0 && noise is null) throw new ArgumentException("DDIM with eta > 0 needs a noise generator");
        if (!(finalAlpha > 0 && finalAlpha <= 1)) throw new ArgumentException($"final alpha_cumprod {finalAlpha} is not in (0, 1]");
        x = x.alias();
        for (var i = 0; i < sigmas.Count - 1; i++)
        {
            using var scope = NewDisposeScope();
            var sigma = sigmas[i];
            var denoised = model(x, sigma);
            callback?.Invoke(new SamplerStep(i, sigmas.Count - 1, sigma, x, denoised));
            var eps = (x - denoised).DividedBy(sigma);
            var alpha = 1 / (1 + sigma * sigma);
            var alphaNext = PrevAlphaCumprod(sigmas, i);
            var sigmaEta = eta * Math.Sqrt((1 - alphaNext) / (1 - alpha) * (1 - alpha / alphaNext));
            // VP: x_prev = √ᾱ'·x₀ + √(1−ᾱ'−σ_η²)·ε + σ_η·z, divided by √ᾱ' back to the σ scale.
            var direction = Math.Sqrt(Math.Max(0, 1 - alphaNext - sigmaEta * sigmaEta) / alphaNext);
            var next = denoised.Plus(eps.Times(direction));
            if (sigmaEta > 0)
                next = next.Plus(randn(x.shape, dtype: x.dtype, generator: noise).to(x.device).Times(sigmaEta / Math.Sqrt(alphaNext)));
            // The end of the ladder hands back the VP sample itself, as diffusers does.
            if (sigmas[i + 1] == 0 && alphaNext != 1) next = next.Times(Math.Sqrt(alphaNext));
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }
}
