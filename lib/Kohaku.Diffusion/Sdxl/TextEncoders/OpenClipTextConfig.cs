namespace Kohaku.Diffusion.Sdxl.TextEncoders;

// OpenCLIP ViT-bigG/14 text tower (TE2; sdxl-arch.md §6). Context = output after ContextLayers
// layers (31 of 32, "penultimate") without ln_final; pooled = ln_final(all layers) at EOS, projected.
public sealed record OpenClipTextConfig(int VocabSize, int ContextLength, int Width, int Layers, int Heads, int MlpWidth, int ProjectionDim, int ContextLayers, bool HasLogitScale)
{
    public static OpenClipTextConfig Sdxl { get; } = new(49408, 77, 1280, 32, 20, 5120, 1280, 31, true);

    public static OpenClipTextConfig Tiny { get; } = new(49408, 77, 32, 3, 2, 128, 32, 2, true);
}
