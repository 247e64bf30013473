namespace Kohaku.Diffusion.Sdxl.Vae;

// SGM AutoencoderKL ddconfig (sdxl-arch.md §8). len(ChannelMult) − 1 downsamplings: 3 → 8× for both presets.
public sealed record VaeConfig(int InChannels, int Channels, int[] ChannelMult, int NumResBlocks, int LatentChannels, int NormGroups, double ScaleFactor)
{
    public static VaeConfig Sdxl { get; } = new(3, 128, [1, 2, 4, 4], 2, 4, 32, 0.13025);

    public static VaeConfig Tiny { get; } = new(3, 16, [1, 2, 4, 4], 2, 4, 8, 0.13025);

    public int DownscaleFactor => 1 << (ChannelMult.Length - 1);
}
