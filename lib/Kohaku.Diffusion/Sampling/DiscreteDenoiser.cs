using Kohaku.Diffusion.Nn;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// SGM's DiscreteDenoiser (sdxl-arch.md §3.5) for an ε- or a v-prediction network: the network sees
// x·c_in with c_in = 1/√(σ²+1) and the discrete timestep nearest σ (in log σ).
// ε (SGM's EpsScaling): D(x, σ) = x − σ·ε.
// v (k-diffusion's VDenoiser, σ_data 1): D(x, σ) = x·c_in² − v·σ·c_in. On the VP sample x_t = x·√ᾱ
// this is DDIM's x₀ = √ᾱ·x_t − √(1−ᾱ)·v, so both samplers use it unchanged.
public static class DiscreteDenoiser
{
    // model: (scaled x, timesteps [B] int64) → ε or v with x's shape.
    public static Denoiser Wrap(Func<Tensor, Tensor, Tensor> model, NoiseSchedule schedule, Prediction prediction = Prediction.Epsilon)
    {
        var logSigmas = Enumerable.Range(0, schedule.Steps).Select(t => Math.Log(schedule.Sigma(t))).ToArray();
        return (x, sigma) =>
        {
            using var scope = NewDisposeScope();
            var t = NearestTimestep(logSigmas, sigma);
            var timesteps = Scalars.Full([x.shape[0]], (long)t, ScalarType.Int64, x.device);
            var cIn = 1 / Math.Sqrt(sigma * sigma + 1);
            var output = model(x.Times(cIn), timesteps).to(x.dtype);
            var denoised = prediction == Prediction.V ? x.Times(cIn * cIn) - output.Times(sigma * cIn) : x - output.Times(sigma);
            return denoised.MoveToOuterDisposeScope();
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
