using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl.Vae;

// first_stage_model.{encoder,decoder}.mid → block_1 attn_1 block_2 (the VAE's only attention).
public sealed class VaeMidBlock : nn.Module<Tensor, Tensor>
{
    private readonly VaeResnetBlock block_1, block_2;
    private readonly VaeAttention attn_1;

    public VaeMidBlock(long channels, long groups, Device? device = null, ScalarType? dtype = null) : base(nameof(VaeMidBlock))
    {
        block_1 = new VaeResnetBlock(channels, channels, groups, device, dtype);
        attn_1 = new VaeAttention(channels, groups, device, dtype);
        block_2 = new VaeResnetBlock(channels, channels, groups, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h1 = block_1.call(x);
        using var h2 = attn_1.call(h1);
        return block_2.call(h2);
    }
}
