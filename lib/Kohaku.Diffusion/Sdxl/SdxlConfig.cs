using Kohaku.Diffusion.Sdxl.TextEncoders;
using Kohaku.Diffusion.Sdxl.Unet;
using Kohaku.Diffusion.Sdxl.Vae;

namespace Kohaku.Diffusion.Sdxl;

// The four components of one SDXL checkpoint plus the width of each size/crop scalar's Fourier
// embedding (256 in SDXL). The UNet's ADM input is TE2's projection + 6 such embeddings.
public sealed record SdxlConfig(string Name, UnetConfig Unet, ClipTextConfig Te1, OpenClipTextConfig Te2, VaeConfig Vae, int SizeEmbedDim)
{
    public static SdxlConfig Sdxl { get; } = new("sdxl", UnetConfig.Sdxl, ClipTextConfig.Sdxl, OpenClipTextConfig.Sdxl, VaeConfig.Sdxl, 256);

    public static SdxlConfig Tiny { get; } = new("tiny", UnetConfig.Tiny, ClipTextConfig.Tiny, OpenClipTextConfig.Tiny, VaeConfig.Tiny, 32);

    public static IReadOnlyList<SdxlConfig> Presets { get; } = [Sdxl, Tiny];

    public static SdxlConfig ByName(string name) =>
        Presets.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", Presets.Select(p => p.Name))})");

    // Every width that has to agree across components, checked once.
    public void Validate()
    {
        var errors = new List<string>();
        if (Unet.ContextDim != Te1.Hidden + Te2.Width)
            errors.Add($"Unet.ContextDim {Unet.ContextDim} != Te1.Hidden {Te1.Hidden} + Te2.Width {Te2.Width}");
        if (Unet.AdmInChannels != Te2.ProjectionDim + 6 * SizeEmbedDim)
            errors.Add($"Unet.AdmInChannels {Unet.AdmInChannels} != Te2.ProjectionDim {Te2.ProjectionDim} + 6 × SizeEmbedDim {SizeEmbedDim}");
        if (Unet.InChannels != Vae.LatentChannels || Unet.OutChannels != Vae.LatentChannels)
            errors.Add($"Unet in/out channels {Unet.InChannels}/{Unet.OutChannels} != Vae.LatentChannels {Vae.LatentChannels}");
        if (SizeEmbedDim % 2 != 0) errors.Add($"SizeEmbedDim {SizeEmbedDim} must be even");
        if (errors.Count > 0) throw new ArgumentException($"SdxlConfig '{Name}': {string.Join("; ", errors)}");
    }
}
