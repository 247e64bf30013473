using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.decoder.up.{i} → block.{0..n} upsample (no upsample on level 0).
public sealed class VaeUpLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<VaeResnetBlock> block;
    private readonly Unet.Upsample? upsample;   // decoder.up.{i}.upsample.conv: the UNet's nearest ×2 + 3×3 conv

    public VaeUpLevel(long inChannels, long outChannels, int blocks, bool up, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeUpLevel))
    {
        block = nn.ModuleList(Enumerable.Range(0, blocks).Select(j => new VaeResnetBlock(j == 0 ? inChannels : outChannels, outChannels, groups, device, dtype)).ToArray());
        if (up) upsample = new Unet.Upsample(outChannels, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var b in block) x = b.call(x);
        if (upsample is not null) x = upsample.call(x);
        return x.MoveToOuterDisposeScope();
    }
}

// first_stage_model.decoder → conv_in mid up.{0..3} norm_out conv_out. up is stored by width index
// (up.0 = 128 wide) but runs in reverse, up.3 first (sdxl-arch.md §8).
public sealed class VaeDecoder : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableConv2d conv_in, conv_out;
    private readonly VaeMidBlock mid;
    private readonly ModuleList<VaeUpLevel> up;
    private readonly GroupNorm32 norm_out;

    public VaeDecoder(VaeConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeDecoder))
    {
        long ch = config.Channels;
        var levels = config.ChannelMult.Length;
        var top = ch * config.ChannelMult[^1];
        conv_in = new AdaptableConv2d(config.LatentChannels, top, 3, padding: 1, device: device, dtype: dtype);
        mid = new VaeMidBlock(top, config.NormGroups, device, dtype);
        var ups = new VaeUpLevel[levels];
        var blockIn = top;
        for (var i = levels - 1; i >= 0; i--)
        {
            var blockOut = ch * config.ChannelMult[i];
            ups[i] = new VaeUpLevel(blockIn, blockOut, config.NumResBlocks + 1, i != 0, config.NormGroups, device, dtype);
            blockIn = blockOut;
        }
        up = nn.ModuleList(ups);
        norm_out = new GroupNorm32(config.NormGroups, blockIn, 1e-6, device, dtype);
        conv_out = new AdaptableConv2d(blockIn, config.InChannels, 3, padding: 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    // z [B, 4, h, w] unscaled latents → image [B, 3, 8h, 8w] in about [−1, 1].
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = mid.call(conv_in.call(z));
        for (var i = up.Count - 1; i >= 0; i--) h = up[i].call(h);
        return conv_out.call(nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
