using Kohaku.Diffusion.Nn;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// A v-prediction network as a Denoiser (k-diffusion's VDenoiser with σ_data 1): the network sees
// x·c_in with c_in = 1/√(σ²+1) and the nearest discrete timestep, as EpsDenoiser;
// D(x, σ) = x/(σ²+1) − v·σ/√(σ²+1). On the VP sample x_t = x·√ᾱ this is DDIM's
// x₀ = √ᾱ·x_t − √(1−ᾱ)·v, so both samplers use it unchanged.
public static class VDenoiser
{
    // v: (scaled x, timesteps [B] int64) → v with x's shape.
    public static Denoiser Wrap(Func<Tensor, Tensor, Tensor> v, NoiseSchedule schedule)
    {
        var logSigmas = Enumerable.Range(0, schedule.Steps).Select(t => Math.Log(schedule.Sigma(t))).ToArray();
        return (x, sigma) =>
        {
            using var scope = NewDisposeScope();
            var t = EpsDenoiser.NearestTimestep(logSigmas, sigma);
            var timesteps = Scalars.Full([x.shape[0]], (long)t, ScalarType.Int64, x.device);
            var cIn = 1 / Math.Sqrt(sigma * sigma + 1);
            var output = v(x.Times(cIn), timesteps);
            return (x.Times(cIn * cIn) - output.to(x.dtype).Times(sigma * cIn)).MoveToOuterDisposeScope();
        };
    }

    // The denoiser for a network of the given parameterization.
    public static Denoiser For(Prediction prediction, Func<Tensor, Tensor, Tensor> model, NoiseSchedule schedule) =>
        prediction == Prediction.V ? Wrap(model, schedule) : EpsDenoiser.Wrap(model, schedule);
}
