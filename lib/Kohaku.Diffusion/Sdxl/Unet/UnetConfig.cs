namespace Kohaku.Diffusion.Sdxl.Unet;

// SGM UNetModel hyper-parameters (sdxl-arch.md §3.1). TransformerDepth has one entry per level;
// 0 means the level has no attention (SDXL level 0). The middle block takes the last level's depth.
public sealed record UnetConfig(
    int InChannels,
    int OutChannels,
    int ModelChannels,
    int[] ChannelMult,
    int NumResBlocks,
    int[] TransformerDepth,
    int HeadChannels,
    int ContextDim,
    int AdmInChannels,
    int NormGroups)
{
    public static UnetConfig Sdxl { get; } = new(4, 4, 320, [1, 2, 4], 2, [0, 2, 10], 64, 2048, 2816, 32);

    // Same topology and key layout: 3 levels, attention on levels 1 and 2, middle transformer.
    // Context 64 = tiny TE1 (32) + tiny TE2 (32); ADM 224 = pooled 32 + 6 × 32-wide size embeddings.
    public static UnetConfig Tiny { get; } = new(4, 4, 32, [1, 2, 4], 2, [0, 1, 1], 16, 64, 224, 8);

    public int TimeEmbedDim => 4 * ModelChannels;

    public int MiddleDepth => TransformerDepth[^1];
}
