using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sampling;

// Text to image with classifier-free guidance on the SDXL models: encode, sample latents, decode.
// The path training previews take. Without a negative prompt the unconditional branch gets
// all-zero text embeddings (context and pooled), as the SDXL-base reference sampler does
// (force_uc_zero_embeddings=["txt"]); its size embeddings stay real.
public static class SdxlSampler
{
    public static byte[] Generate(SdxlModels models, PromptIds prompt, PromptIds? negative, SampleSettings settings,
        PooledProjection projection = PooledProjection.Sgm, Action<SamplerStep>? callback = null)
    {
        using var scope = NewDisposeScope();
        using var image = GenerateImage(models, prompt, negative, settings, projection, callback);
        return PngEncoder.Encode(image);
    }

    // → decoded image [1, 3, H, W] in about [−1, 1] (float32, CPU).
    public static Tensor GenerateImage(SdxlModels models, PromptIds prompt, PromptIds? negative, SampleSettings settings,
        PooledProjection projection = PooledProjection.Sgm, Action<SamplerStep>? callback = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var latents = GenerateLatents(models, prompt, negative, settings, projection, callback);
        // Decoded in the VAE's own dtype; SdxlCheckpoint.Load never leaves it in fp16, where it overflows.
        var vaeWeight = models.Vae.parameters().First();
        var image = models.Vae.Decode(latents.to(vaeWeight.dtype, vaeWeight.device));
        return image.to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
    }

    // → scaled latents [1, 4, H/8, W/8] in the UNet's dtype.
    public static Tensor GenerateLatents(SdxlModels models, PromptIds prompt, PromptIds? negative, SampleSettings settings,
        PooledProjection projection = PooledProjection.Sgm, Action<SamplerStep>? callback = null)
    {
        settings.Validate(SizeMultiple(models.Config));
        prompt.Validate();
        negative?.Validate();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var first = models.Unet.parameters().First();
        var (device, dtype) = (first.device, first.dtype);
        var conditioner = new SdxlConditioner(models, projection);
        var size = new[] { SizeCondition.ForImage(settings.Height, settings.Width) };

        Tensor Ids(long[] ids) => tensor(ids, dtype: ScalarType.Int64).reshape(1, -1).to(models.Te1.parameters().First().device);
        var (context, pooled) = conditioner.Encode(Ids(prompt.Te1), Ids(prompt.Te2));
        Tensor uncondContext, uncondPooled;
        if (negative is null)
        {
            uncondContext = zeros_like(context);
            uncondPooled = zeros_like(pooled);
        }
        else
        {
            (uncondContext, uncondPooled) = conditioner.Encode(Ids(negative.Te1), Ids(negative.Te2));
            // Prompts of different chunk counts: pad the shorter context with zeros (it is only attended to).
            var length = Math.Max(context.shape[1], uncondContext.shape[1]);
            context = PadTo(context, length);
            uncondContext = PadTo(uncondContext, length);
        }
        var batchContext = cat([uncondContext, context], 0).to(dtype, device);
        var y = cat([conditioner.SizeVector(uncondPooled, size), conditioner.SizeVector(pooled, size)], 0).to(dtype, device);

        // A model trained with zero terminal SNR is sampled on that schedule (ᾱ_999 = 2⁻²⁴ so σ stays
        // finite) with trailing spacing, as diffusers' schedulers under rescale_betas_zero_snr. kohya's
        // preview schedulers ignore --zero_terminal_snr and start at SNR 0.0047; not followed, because
        // the model learned to start from pure noise, and that start is what fixes its brightness range.
        var schedule = settings.ZeroTerminalSnr ? NoiseSchedule.ScaledLinear().WithZeroTerminalSnr().WithFiniteTerminal() : NoiseSchedule.ScaledLinear();
        var sigmas = settings.ZeroTerminalSnr ? SigmaSchedule.Trailing(schedule, settings.Steps) : SigmaSchedule.Leading(schedule, settings.Steps);
        // CFG combines the outputs as they come (ε or v): both are affine in x₀ for a fixed x, so the
        // guided denoised latent is the same either way.
        var denoiser = DiscreteDenoiser.Wrap((x, t) =>
        {
            // One UNet call for both branches: rows [uncond, cond].
            var output = models.Unet.call(cat([x, x], 0), cat([t, t], 0), batchContext, y).chunk(2, 0);
            return output[0].Plus((output[1] - output[0]).Times(settings.Cfg));
        }, schedule, settings.Prediction);

        var down = models.Config.Vae.DownscaleFactor;
        var shape = new long[] { 1, models.Config.Unet.InChannels, settings.Height / down, settings.Width / down };
        var noise = new Generator((ulong)settings.Seed);
        var x0 = randn(shape, generator: noise).Times(sigmas.InitialScale).to(dtype, device);
        ISampler sampler = settings.Sampler switch
        {
            SamplerKind.Euler => new EulerSampler(),
            SamplerKind.Ddim => new DdimSampler(),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Sampler, "unknown sampler"),
        };
        return sampler.Sample(denoiser, x0, sigmas.Sigmas, callback).MoveToOuterDisposeScope();
    }

    // Image sides must survive the VAE's 8× and every UNet halving without rounding: 32 for SDXL.
    public static int SizeMultiple(SdxlConfig config) => config.Vae.DownscaleFactor << (config.Unet.ChannelMult.Length - 1);

    private static Tensor PadTo(Tensor context, long length) =>
        context.shape[1] == length ? context : nn.functional.pad(context, [0, 0, 0, length - context.shape[1]]);
}
