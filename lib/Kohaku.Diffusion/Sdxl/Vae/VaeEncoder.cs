using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.encoder.down.{i} → block.{j} downsample (no downsample on the last level).
public sealed class VaeDownLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<VaeResnetBlock> block;
    private readonly VaeDownsample? downsample;

    public VaeDownLevel(long inChannels, long outChannels, int blocks, bool down, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeDownLevel))
    {
        block = nn.ModuleList(Enumerable.Range(0, blocks).Select(j => new VaeResnetBlock(j == 0 ? inChannels : outChannels, outChannels, groups, device, dtype)).ToArray());
        if (down) downsample = new VaeDownsample(outChannels, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var b in block) x = b.call(x);
        if (downsample is not null) x = downsample.call(x);
        return x.MoveToOuterDisposeScope();
    }
}

// first_stage_model.encoder → conv_in down.{0..3} mid norm_out conv_out; image [B,3,H,W] in [−1,1]
// → posterior moments [B, 2·z, H/8, W/8] (before quant_conv).
public sealed class VaeEncoder : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableConv2d conv_in, conv_out;
    private readonly ModuleList<VaeDownLevel> down;
    private readonly VaeMidBlock mid;
    private readonly GroupNorm32 norm_out;

    public VaeEncoder(VaeConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeEncoder))
    {
        long ch = config.Channels;
        var levels = config.ChannelMult.Length;
        conv_in = new AdaptableConv2d(config.InChannels, ch, 3, padding: 1, device: device, dtype: dtype);
        down = nn.ModuleList(Enumerable.Range(0, levels).Select(i => new VaeDownLevel(
            ch * (i == 0 ? 1 : config.ChannelMult[i - 1]), ch * config.ChannelMult[i], config.NumResBlocks, i != levels - 1, config.NormGroups, device, dtype)).ToArray());
        var top = ch * config.ChannelMult[^1];
        mid = new VaeMidBlock(top, config.NormGroups, device, dtype);
        norm_out = new GroupNorm32(config.NormGroups, top, 1e-6, device, dtype);
        conv_out = new AdaptableConv2d(top, 2 * config.LatentChannels, 3, padding: 1, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.call(x);
        foreach (var level in down) h = level.call(h);
        h = mid.call(h);
        return conv_out.call(nn.functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }
}
