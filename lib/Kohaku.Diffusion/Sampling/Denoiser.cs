using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// The k-diffusion contract every sampler drives: x at noise level σ (variance-exploding scale,
// x = x₀ + σ·ε) → the model's estimate of x₀. How a network is parameterised stays behind it.
public delegate Tensor Denoiser(Tensor x, double sigma);

// What a sampler reports at each step (for progress and preview callbacks). X and Denoised are
// disposed when the step ends: copy what must outlive the callback.
public sealed record SamplerStep(int Index, int Count, double Sigma, Tensor X, Tensor Denoised);

// A sampler walks x from sigmas[0] down the given σ ladder (last entry 0 ends at x₀).
public interface ISampler
{
    string Name { get; }

    Tensor Sample(Denoiser model, Tensor x, IReadOnlyList<double> sigmas, Action<SamplerStep>? callback = null);
}
