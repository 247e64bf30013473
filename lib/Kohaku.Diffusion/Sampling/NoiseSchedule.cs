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

    public double[] Betas { get; }
    public double[] AlphasCumprod { get; }
    public int Steps => Betas.Length;

    // SNR(t) = ᾱ_t / (1 − ᾱ_t), the quantity min-SNR weighting clips.
    public double Snr(int t) => AlphasCumprod[t] / (1.0 - AlphasCumprod[t]);

    // σ_t of the equivalent variance-exploding form, used by Euler sampling: √((1 − ᾱ) / ᾱ).
    public double Sigma(int t) => Math.Sqrt((1.0 - AlphasCumprod[t]) / AlphasCumprod[t]);
}
