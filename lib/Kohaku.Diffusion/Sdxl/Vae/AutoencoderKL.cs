using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model. → encoder.* quant_conv post_quant_conv decoder.* (sdxl-arch.md §8).
// Latents handed to the UNet are scaled: z·ScaleFactor on encode, z/ScaleFactor before decode.
// The SDXL VAE overflows in fp16: run it in fp32 or bf16.
public sealed class AutoencoderKL : nn.Module<Tensor, Tensor>
{
    private readonly VaeEncoder encoder;
    private readonly VaeDecoder decoder;
    private readonly AdaptableConv2d quant_conv, post_quant_conv;

    public AutoencoderKL(VaeConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(AutoencoderKL))
    {
        Config = config;
        encoder = new VaeEncoder(config, device, dtype);
        decoder = new VaeDecoder(config, device, dtype);
        quant_conv = new AdaptableConv2d(2 * config.LatentChannels, 2 * config.LatentChannels, 1, device: device, dtype: dtype);
        post_quant_conv = new AdaptableConv2d(config.LatentChannels, config.LatentChannels, 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public VaeConfig Config { get; }

    // image [B, 3, H, W] in [−1, 1] → scaled latents [B, 4, H/8, W/8]: the posterior mean, or a sample
    // mean + exp(logvar/2)·ε (logvar clamped to [−30, 20]) when a generator is given.
    public Tensor Encode(Tensor image, Generator? sample = null)
    {
        using var scope = NewDisposeScope();
        var moments = quant_conv.call(encoder.call(image)).chunk(2, 1);
        var z = moments[0];
        if (sample is not null)
        {
            var std = exp(moments[1].Clamped(-30, 20).Times(0.5f));
            z = z.Plus(std * randn(z.shape, dtype: z.dtype, generator: sample).to(z.device));
        }
        return z.Times((float)Config.ScaleFactor).MoveToOuterDisposeScope();
    }

    // scaled latents [B, 4, h, w] → image [B, 3, 8h, 8w], about [−1, 1].
    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var z = latents.DividedBy((float)Config.ScaleFactor);
        return decoder.call(post_quant_conv.call(z)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor image)
    {
        using var z = Encode(image);
        return Decode(z);
    }
}
