using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.TextEncoders;

[Collection(MetaDeviceCollection.Name)]
public sealed class OpenClipTextModelTests
{
    private static readonly Lazy<OpenClipTextModel> Full = new(() => new OpenClipTextModel(OpenClipTextConfig.Sdxl, META));

    private static Dictionary<string, long[]> Shapes(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void ParameterCount_Sdxl_Is694659841WithLogitScale()
    {
        Assert.Equal(694_659_841L, ModuleTree.ParameterCount(Full.Value));
    }

    [Fact]
    public void ParameterCount_SdxlWithoutLogitScale_Is694659840()
    {
        using var te = new OpenClipTextModel(OpenClipTextConfig.Sdxl with { HasLogitScale = false }, META);
        Assert.Equal(694_659_840L, ModuleTree.ParameterCount(te));
    }

    [Fact]
    public void StateDict_Sdxl_Has390Keys()
    {
        Assert.Equal(390, Shapes(Full.Value).Count);
    }

    [Theory]
    [InlineData("token_embedding.weight", new long[] { 49408, 1280 })]
    [InlineData("positional_embedding", new long[] { 77, 1280 })]
    [InlineData("ln_final.weight", new long[] { 1280 })]
    [InlineData("text_projection", new long[] { 1280, 1280 })]
    [InlineData("logit_scale", new long[0])]
    [InlineData("transformer.resblocks.0.ln_1.weight", new long[] { 1280 })]
    [InlineData("transformer.resblocks.9.mlp.c_proj.bias", new long[] { 1280 })]
    [InlineData("transformer.resblocks.31.attn.in_proj_weight", new long[] { 3840, 1280 })]
    [InlineData("transformer.resblocks.31.attn.in_proj_bias", new long[] { 3840 })]
    [InlineData("transformer.resblocks.31.attn.out_proj.weight", new long[] { 1280, 1280 })]
    [InlineData("transformer.resblocks.31.mlp.c_fc.weight", new long[] { 5120, 1280 })]
    [InlineData("transformer.resblocks.31.mlp.c_fc.bias", new long[] { 5120 })]
    [InlineData("transformer.resblocks.31.mlp.c_proj.weight", new long[] { 1280, 5120 })]
    [InlineData("transformer.resblocks.31.ln_2.bias", new long[] { 1280 })]
    public void StateDict_Sdxl_KeyHasSheetShape(string key, long[] shape)
    {
        Assert.Equal(shape, Shapes(Full.Value)[key]);
    }

    [Fact]
    public void Encode_Tiny_ContextDiffersFromFinal()
    {
        manual_seed(5);
        using var te = new OpenClipTextModel(OpenClipTextConfig.Tiny);
        using var scope = NewDisposeScope();
        var (context, final) = te.Encode(randint(0, 49408, [2, 77]));
        Assert.Equal(new long[] { 2, 77, 32 }, context.shape);
        Assert.Equal(new long[] { 2, 77, 32 }, final.shape);
        Assert.False(allclose(context, final));
    }
}
