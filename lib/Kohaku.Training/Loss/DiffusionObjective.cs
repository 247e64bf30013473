using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sampling;
using Kohaku.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Loss;

// The training objective of one run, shared by training and validation batches so both compute
// the very same loss: x_t = √ᾱ·x0 + √(1−ᾱ)·ε, the model's output against its target (ε, or
// v = √ᾱ·ε − √(1−ᾱ)·x0), fp32 MSE with min-SNR weights (kohya-sdxl.md §0 step 5,
// research-trainer.md §3). Built once per run; the ᾱ tables live on the device.
public sealed class DiffusionObjective : IDisposable
{
    private readonly Tensor _sqrtAlpha;
    private readonly Tensor _sqrtOneMinusAlpha;
    private readonly MinSnrWeight? _minSnr;
    private readonly Prediction _prediction;

    public DiffusionObjective(TrainConfig config, Device device)
    {
        var original = NoiseSchedule.ScaledLinear();
        // As kohya: its min-SNR table (all_snr) is computed before --zero_terminal_snr rescales the
        // schedule, so the weights keep the original SNR while noise and targets use the rescaled ᾱ.
        // Followed on purpose: with the rescaled SNR, t = 999 (SNR 0) would get v weight 0 (ε: 0/0),
        // dropping from the loss the very timestep zero terminal SNR exists to train.
        _minSnr = config.MinSnrGamma > 0 ? new MinSnrWeight(original, config.MinSnrGamma, config.Prediction) : null;
        _prediction = config.Prediction;
        Schedule = config.ZeroTerminalSnr ? original.WithZeroTerminalSnr() : original;
        var alphas = Schedule.AlphasCumprod;
        _sqrtAlpha = tensor(alphas.Select(a => (float)Math.Sqrt(a)).ToArray(), device: device).DetachFromDisposeScope();
        _sqrtOneMinusAlpha = tensor(alphas.Select(a => (float)Math.Sqrt(1 - a)).ToArray(), device: device).DetachFromDisposeScope();
    }

    // The schedule the noise is added with (zero terminal SNR when configured).
    public NoiseSchedule Schedule { get; }

    // The weighted fp32 loss of one batch: latents and noise [B,C,H,W], integer timesteps [B];
    // predict maps the noisy latents to the model's output.
    public Tensor Loss(Tensor latents, Tensor noise, Tensor timesteps, Func<Tensor, Tensor> predict)
    {
        var sqrtAlpha = _sqrtAlpha.index_select(0, timesteps).view(-1, 1, 1, 1);
        var sqrtOneMinusAlpha = _sqrtOneMinusAlpha.index_select(0, timesteps).view(-1, 1, 1, 1);
        var noisy = (latents * sqrtAlpha).Plus(noise * sqrtOneMinusAlpha);
        var prediction = predict(noisy);
        return DiffusionLoss.Compute(prediction, Target(latents, noise, sqrtAlpha, sqrtOneMinusAlpha), _minSnr?.For(timesteps));
    }

    // What the model should output: ε, or diffusers' get_velocity v = √ᾱ·ε − √(1−ᾱ)·x0.
    private Tensor Target(Tensor latents, Tensor noise, Tensor sqrtAlpha, Tensor sqrtOneMinusAlpha) =>
        _prediction == Prediction.V ? noise * sqrtAlpha - latents * sqrtOneMinusAlpha : noise;

    public void Dispose()
    {
        _sqrtAlpha.Dispose();
        _sqrtOneMinusAlpha.Dispose();
    }
}
