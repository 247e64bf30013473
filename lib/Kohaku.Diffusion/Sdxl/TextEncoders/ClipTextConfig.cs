namespace Kohaku.Diffusion.Sdxl.TextEncoders;

// HF CLIPTextModel (TE1, openai/clip-vit-large-patch14; sdxl-arch.md §5). SDXL reads the hidden
// state after ContextLayers layers (11 of 12) without the final norm.
public sealed record ClipTextConfig(int VocabSize, int MaxPositions, int Hidden, int Layers, int Heads, int Intermediate, int ContextLayers)
{
    public static ClipTextConfig Sdxl { get; } = new(49408, 77, 768, 12, 12, 3072, 11);

    // The full CLIP vocabulary, so any tokenizer built on the CLIP BPE (sample or real) fits.
    public static ClipTextConfig Tiny { get; } = new(49408, 77, 32, 3, 2, 128, 2);
}
