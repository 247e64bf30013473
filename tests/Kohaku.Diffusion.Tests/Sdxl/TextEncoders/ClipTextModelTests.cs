using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.TextEncoders;

[Collection(MetaDeviceCollection.Name)]
public sealed class ClipTextModelTests
{
    private static readonly Lazy<ClipTextModel> Full = new(() => new ClipTextModel(ClipTextConfig.Sdxl, META));

    private static Dictionary<string, long[]> Shapes(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void ParameterCount_Sdxl_Is123060480()
    {
        Assert.Equal(123_060_480L, ModuleTree.ParameterCount(Full.Value));
    }

    [Fact]
    public void StateDict_Sdxl_Has197KeysIncludingPositionIds()
    {
        var shapes = Shapes(Full.Value);
        Assert.Equal(197, shapes.Count);
        Assert.Equal(new long[] { 1, 77 }, shapes["text_model.embeddings.position_ids"]);
    }

    [Theory]
    [InlineData("text_model.embeddings.token_embedding.weight", new long[] { 49408, 768 })]
    [InlineData("text_model.embeddings.position_embedding.weight", new long[] { 77, 768 })]
    [InlineData("text_model.encoder.layers.0.self_attn.q_proj.weight", new long[] { 768, 768 })]
    [InlineData("text_model.encoder.layers.11.self_attn.out_proj.bias", new long[] { 768 })]
    [InlineData("text_model.encoder.layers.5.mlp.fc1.weight", new long[] { 3072, 768 })]
    [InlineData("text_model.encoder.layers.5.mlp.fc2.weight", new long[] { 768, 3072 })]
    [InlineData("text_model.encoder.layers.11.layer_norm2.weight", new long[] { 768 })]
    [InlineData("text_model.final_layer_norm.bias", new long[] { 768 })]
    public void StateDict_Sdxl_KeyHasSheetShape(string key, long[] shape)
    {
        Assert.Equal(shape, Shapes(Full.Value)[key]);
    }

    [Fact]
    public void ContextHidden_Tiny_IsPenultimateLayerWithoutFinalNorm()
    {
        manual_seed(2);
        using var te = new ClipTextModel(ClipTextConfig.Tiny);
        using var scope = NewDisposeScope();
        var ids = randint(0, 49408, [2, 77]);
        var hidden = te.ContextHidden(ids);
        Assert.Equal(new long[] { 2, 77, 32 }, hidden.shape);
        // The final-norm output is a different tensor (one more layer, then normalised).
        Assert.False(allclose(hidden, te.call(ids)));
    }

    [Fact]
    public void ContextHidden_LaterToken_DoesNotChangeEarlierPositions()
    {
        manual_seed(4);
        using var te = new ClipTextModel(ClipTextConfig.Tiny);
        using var scope = NewDisposeScope();
        var ids = randint(0, 49408, [1, 77]);
        var changed = ids.clone();
        changed[0, 40] = tensor(123L);
        var a = te.ContextHidden(ids);
        var b = te.ContextHidden(changed);
        // Causal mask: positions before 40 are unaffected, position 40 is.
        Assert.True(allclose(a[.., ..40], b[.., ..40]));
        Assert.False(allclose(a[.., 40], b[.., 40]));
    }
}
