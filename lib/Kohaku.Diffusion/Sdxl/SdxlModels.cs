using Kohaku.Diffusion.Sdxl.TextEncoders;
using Kohaku.Diffusion.Sdxl.Unet;
using Kohaku.Diffusion.Sdxl.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// The four SDXL components under their single-file checkpoint prefixes (sdxl-arch.md §1).
public sealed class SdxlModels : IDisposable
{
    public const string UnetPrefix = "model.diffusion_model.";
    public const string Te1Prefix = "conditioner.embedders.0.transformer.";
    public const string Te2Prefix = "conditioner.embedders.1.model.";
    public const string VaePrefix = "first_stage_model.";

    // Keys a file may lack without harm: position_ids (non-persistent in current transformers, so
    // kohya saves without it) and logit_scale (unused for generation) (sdxl-arch.md §10).
    public static readonly IReadOnlyList<string> OptionalKeys =
        [Te1Prefix + "text_model.embeddings.position_ids", Te2Prefix + "logit_scale"];

    public SdxlModels(SdxlConfig config, UNet unet, ClipTextModel te1, OpenClipTextModel te2, AutoencoderKL vae)
    {
        Config = config;
        Unet = unet;
        Te1 = te1;
        Te2 = te2;
        Vae = vae;
    }

    public SdxlConfig Config { get; }
    public UNet Unet { get; }
    public ClipTextModel Te1 { get; }
    public OpenClipTextModel Te2 { get; }
    public AutoencoderKL Vae { get; }

    // Random-initialised modules, CPU/F32 unless told otherwise. Build outside any dispose scope:
    // parameters created inside one die with it.
    public static SdxlModels Create(SdxlConfig config, Device? device = null, ScalarType? dtype = null)
    {
        config.Validate();
        return new SdxlModels(config, new UNet(config.Unet, device, dtype), new ClipTextModel(config.Te1, device, dtype),
            new OpenClipTextModel(config.Te2, device, dtype), new AutoencoderKL(config.Vae, device, dtype));
    }

    // Full-size shapes without memory: for counting, key listings and shape checks (torchsharp.md §3).
    public static SdxlModels CreateOnMeta(SdxlConfig config) => Create(config, META);

    public IEnumerable<(string Prefix, nn.Module Module)> Components()
    {
        yield return (UnetPrefix, Unet);
        yield return (Te1Prefix, Te1);
        yield return (Te2Prefix, Te2);
        yield return (VaePrefix, Vae);
    }

    // Every checkpoint key with its live tensor, in component order (UNet, TE1, TE2, VAE).
    public IEnumerable<(string Key, Tensor Tensor)> StateDict() =>
        Components().SelectMany(c => c.Module.state_dict().Select(kv => (c.Prefix + kv.Key, kv.Value)));

    public void Dispose()
    {
        Unet.Dispose();
        Te1.Dispose();
        Te2.Dispose();
        Vae.Dispose();
    }
}
