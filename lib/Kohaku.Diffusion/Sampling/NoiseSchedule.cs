namespace Kohaku.Diffusion.Sampling;

// The DDPM "scaled linear" schedule SDXL was trained with (kohya-sdxl.md §noise schedule):
// betas = linspace(√0.00085, √0.012, 1000)², ᾱ_t = Π(1 − β). Computed in double so the training
// loss weights and the samplers read the same numbers.
public sealed class NoiseSchedule
{
    public const int DefaultSteps = 1000;

    private NoiseSchedule(double[] betas)
    {
        Betas = betas;
        AlphasCumprod = new double[betas.Length];
        var product = 1.0;
        for (var i = 0; i < betas.Length; i++)
        {
            product *= 1.0 - betas[i];
            AlphasCumprod[i] = product;
        }
    }

    private NoiseSchedule(double[] betas, double[] alphasCumprod)
    {
        Betas = betas;
        AlphasCumprod = alphasCumprod;
    }

    public static NoiseSchedule ScaledLinear(double betaStart = 0.00085, double betaEnd = 0.012, int steps = DefaultSteps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a schedule needs at least 2 steps");
        var a = Math.Sqrt(betaStart);
        var b = Math.Sqrt(betaEnd);
        var betas = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var s = a + (b - a) * i / (steps - 1);
            betas[i] = s * s;
        }
        return new NoiseSchedule(betas);
    }

    // Zero terminal SNR (Lin et al. 2023; diffusers' rescale_zero_terminal_snr, kohya
    // --zero_terminal_snr): √ᾱ is shifted and scaled so the last step is pure noise (ᾱ_T = 0, β_T = 1)
    // while ᾱ_0 stays; the betas are re-derived from the new ᾱ (α_0 = ᾱ_0, α_t = ᾱ_t/ᾱ_{t−1}).
    public NoiseSchedule WithZeroTerminalSnr()
    {
        var s0 = Math.Sqrt(AlphasCumprod[0]);
        var sT = Math.Sqrt(AlphasCumprod[^1]);
        var betas = new double[Steps];
        var previous = 1.0;
        for (var t = 0; t < Steps; t++)
        {
            var s = (Math.Sqrt(AlphasCumprod[t]) - sT) * (s0 / (s0 - sT));
            betas[t] = 1.0 - s * s / previous;
            previous = s * s;
        }
        return new NoiseSchedule(betas);
    }

    // What a sampler walks instead of a zero-terminal schedule: σ_T = ∞ has no place on the σ ladder,
    // so ᾱ_T becomes 2⁻²⁴ (σ_T ≈ 4096), as diffusers' EulerDiscreteScheduler sets under
    // rescale_betas_zero_snr. Any other schedule is returned as it is.
    public NoiseSchedule WithFiniteTerminal()
    {
        if (AlphasCumprod[^1] > 0) return this;
        var alphas = (double[])AlphasCumprod.Clone();
        alphas[^1] = Math.Pow(2, -24);
        return new NoiseSchedule(Betas, alphas);
    }

    public double[] Betas { get; }
    public double[] AlphasCumprod { get; }
    public int Steps => Betas.Length;

    // SNR(t) = ᾱ_t / (1 − ᾱ_t), the quantity min-SNR weighting clips.
    public double Snr(int t) => AlphasCumprod[t] / (1.0 - AlphasCumprod[t]);

    // σ_t of the equivalent variance-exploding form, used by Euler sampling: √((1 − ᾱ) / ᾱ).
    public double Sigma(int t) => Math.Sqrt((1.0 - AlphasCumprod[t]) / AlphasCumprod[t]);
}
