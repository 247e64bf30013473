using Kohaku.Diffusion.Nn;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// SGM's DiscreteDenoiser with EpsScaling (sdxl-arch.md §3.5): the network sees x·c_in with
// c_in = 1/√(σ²+1) and the discrete timestep nearest σ (in log σ); D(x, σ) = x − σ·ε.
public static class EpsDenoiser
{
    // eps: (scaled x, timesteps [B] int64) → ε with x's shape.
    public static Denoiser Wrap(Func<Tensor, Tensor, Tensor> eps, NoiseSchedule schedule)
    {
        var logSigmas = Enumerable.Range(0, schedule.Steps).Select(t => Math.Log(schedule.Sigma(t))).ToArray();
        return (x, sigma) =>
        {
            using var scope = NewDisposeScope();
            var t = NearestTimestep(logSigmas, sigma);
            var timesteps = Scalars.Full([x.shape[0]], (long)t, ScalarType.Int64, x.device);
            var e = eps(x.Times(1 / Math.Sqrt(sigma * sigma + 1)), timesteps);
            return (x - e.to(x.dtype).Times(sigma)).MoveToOuterDisposeScope();
        };
    }

    public static int NearestTimestep(double[] logSigmas, double sigma)
    {
        var target = Math.Log(sigma);
        var best = 0;
        for (var t = 1; t < logSigmas.Length; t++)
            if (Math.Abs(logSigmas[t] - target) < Math.Abs(logSigmas[best] - target)) best = t;
        return best;
    }
}
