using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.Unet;

[Collection(MetaDeviceCollection.Name)]
public sealed class UNetTests
{
    private static readonly Lazy<UNet> Full = new(() => new UNet(UnetConfig.Sdxl, META));

    private static Dictionary<string, long[]> Shapes(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void ParameterCount_Sdxl_Is2567463684()
    {
        Assert.Equal(2_567_463_684L, ModuleTree.ParameterCount(Full.Value));
    }

    [Fact]
    public void StateDict_Sdxl_Has1680KeysAnd51ConvWeights()
    {
        var shapes = Shapes(Full.Value);
        Assert.Equal(1680, shapes.Count);
        Assert.Equal(51, shapes.Values.Count(s => s.Length == 4));
    }

    [Theory]
    [InlineData("time_embed.0.weight", new long[] { 1280, 320 })]
    [InlineData("time_embed.2.bias", new long[] { 1280 })]
    [InlineData("label_emb.0.0.weight", new long[] { 1280, 2816 })]
    [InlineData("label_emb.0.2.weight", new long[] { 1280, 1280 })]
    [InlineData("input_blocks.0.0.weight", new long[] { 320, 4, 3, 3 })]
    [InlineData("input_blocks.1.0.in_layers.0.weight", new long[] { 320 })]
    [InlineData("input_blocks.1.0.in_layers.2.weight", new long[] { 320, 320, 3, 3 })]
    [InlineData("input_blocks.1.0.emb_layers.1.weight", new long[] { 320, 1280 })]
    [InlineData("input_blocks.1.0.out_layers.3.weight", new long[] { 320, 320, 3, 3 })]
    [InlineData("input_blocks.3.0.op.weight", new long[] { 320, 320, 3, 3 })]
    [InlineData("input_blocks.4.0.skip_connection.weight", new long[] { 640, 320, 1, 1 })]
    [InlineData("input_blocks.4.1.norm.weight", new long[] { 640 })]
    [InlineData("input_blocks.4.1.proj_in.weight", new long[] { 640, 640 })]
    [InlineData("input_blocks.4.1.transformer_blocks.1.attn1.to_q.weight", new long[] { 640, 640 })]
    [InlineData("input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight", new long[] { 640, 2048 })]
    [InlineData("input_blocks.6.0.op.bias", new long[] { 640 })]
    [InlineData("input_blocks.7.0.skip_connection.weight", new long[] { 1280, 640, 1, 1 })]
    [InlineData("input_blocks.8.1.transformer_blocks.9.attn2.to_v.weight", new long[] { 1280, 2048 })]
    [InlineData("input_blocks.8.1.transformer_blocks.9.attn2.to_out.0.weight", new long[] { 1280, 1280 })]
    [InlineData("input_blocks.8.1.transformer_blocks.9.ff.net.0.proj.weight", new long[] { 10240, 1280 })]
    [InlineData("input_blocks.8.1.transformer_blocks.9.ff.net.2.weight", new long[] { 1280, 5120 })]
    [InlineData("input_blocks.8.1.transformer_blocks.9.norm3.bias", new long[] { 1280 })]
    [InlineData("middle_block.0.in_layers.2.weight", new long[] { 1280, 1280, 3, 3 })]
    [InlineData("middle_block.1.transformer_blocks.9.attn1.to_v.weight", new long[] { 1280, 1280 })]
    [InlineData("middle_block.2.out_layers.3.bias", new long[] { 1280 })]
    [InlineData("output_blocks.0.0.in_layers.0.weight", new long[] { 2560 })]
    [InlineData("output_blocks.0.0.skip_connection.weight", new long[] { 1280, 2560, 1, 1 })]
    [InlineData("output_blocks.2.0.in_layers.2.weight", new long[] { 1280, 1920, 3, 3 })]
    [InlineData("output_blocks.2.2.conv.weight", new long[] { 1280, 1280, 3, 3 })]
    [InlineData("output_blocks.3.0.skip_connection.weight", new long[] { 640, 1920, 1, 1 })]
    [InlineData("output_blocks.4.0.in_layers.2.weight", new long[] { 640, 1280, 3, 3 })]
    [InlineData("output_blocks.5.1.transformer_blocks.1.ff.net.2.bias", new long[] { 640 })]
    [InlineData("output_blocks.5.2.conv.weight", new long[] { 640, 640, 3, 3 })]
    [InlineData("output_blocks.6.0.skip_connection.weight", new long[] { 320, 960, 1, 1 })]
    [InlineData("output_blocks.8.0.skip_connection.weight", new long[] { 320, 640, 1, 1 })]
    [InlineData("out.0.weight", new long[] { 320 })]
    [InlineData("out.2.weight", new long[] { 4, 320, 3, 3 })]
    [InlineData("out.2.bias", new long[] { 4 })]
    public void StateDict_Sdxl_KeyHasSheetShape(string key, long[] shape)
    {
        Assert.Equal(shape, Shapes(Full.Value)[key]);
    }

    [Theory]
    [InlineData("input_blocks.1.0.skip_connection.weight")]
    [InlineData("input_blocks.1.1.norm.weight")]
    [InlineData("input_blocks.4.1.transformer_blocks.2.attn1.to_q.weight")]
    [InlineData("input_blocks.4.1.transformer_blocks.0.attn1.to_q.bias")]
    [InlineData("output_blocks.6.1.norm.weight")]
    [InlineData("output_blocks.8.2.conv.weight")]
    public void StateDict_Sdxl_LacksKeyAbsentFromFile(string key)
    {
        Assert.DoesNotContain(key, Shapes(Full.Value).Keys);
    }

    [Fact]
    public void StateDict_Sdxl_BlockCountsMatchSheet()
    {
        var keys = Shapes(Full.Value).Keys.ToList();
        // 70 transformer blocks, 11 spatial transformers, 17 ResBlocks, 11 skip convs.
        Assert.Equal(70, keys.Count(k => k.EndsWith(".attn1.to_q.weight", StringComparison.Ordinal)));
        Assert.Equal(11, keys.Count(k => k.EndsWith(".proj_in.weight", StringComparison.Ordinal)));
        Assert.Equal(17, keys.Count(k => k.EndsWith(".emb_layers.1.weight", StringComparison.Ordinal)));
        Assert.Equal(11, keys.Count(k => k.EndsWith(".skip_connection.weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void Forward_Tiny_ReturnsLatentShape()
    {
        manual_seed(1);
        using var unet = new UNet(UnetConfig.Tiny);
        using var scope = NewDisposeScope();
        var x = randn(2, 4, 8, 12);
        var y = unet.call(x, tensor(new long[] { 10, 900 }), randn(2, 7, 64), randn(2, 224));
        Assert.Equal(new long[] { 2, 4, 8, 12 }, y.shape);
        Assert.True(y.isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_SameSeed_SameOutput()
    {
        Tensor Run()
        {
            manual_seed(7);
            using var unet = new UNet(UnetConfig.Tiny);
            return unet.call(randn(1, 4, 8, 8), tensor(new long[] { 500 }), randn(1, 5, 64), randn(1, 224));
        }
        using var a = Run();
        using var b = Run();
        Assert.True(a.Equals(b));
    }

    [Fact]
    public void Backward_Tiny_ReachesEveryParameter()
    {
        manual_seed(3);
        using var unet = new UNet(UnetConfig.Tiny);
        using var scope = NewDisposeScope();
        var loss = unet.call(randn(1, 4, 8, 8), tensor(new long[] { 100 }), randn(1, 5, 64), randn(1, 224)).square().mean();
        loss.backward();
        var missing = unet.named_parameters().Where(p => p.parameter.grad is null).Select(p => p.name).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Backward_GradientCheckpointing_SameGradientsAsPlainGraph()
    {
        manual_seed(21);
        using var unet = new UNet(UnetConfig.Tiny);
        using var scope = NewDisposeScope();
        var x = randn(1, 4, 8, 8).requires_grad_(true);
        var (t, ctx, y) = (tensor(new long[] { 300 }), randn(1, 5, 64), randn(1, 224));
        Dictionary<string, Tensor> Grads(bool checkpointing)
        {
            unet.zero_grad();
            x.grad?.zero_();
            unet.GradientCheckpointing = checkpointing;
            unet.call(x, t, ctx, y).square().mean().backward();
            var grads = unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
            grads["input"] = x.grad!.clone();
            return grads;
        }
        var plain = Grads(false);
        var checkpointed = Grads(true);
        Assert.Equal(plain.Count, checkpointed.Count);
        Assert.All(plain, kv => Assert.True(allclose(kv.Value, checkpointed[kv.Key], rtol: 1e-5, atol: 1e-7), kv.Key));
    }

    [Fact]
    public void Backward_CheckpointingFrozenBase_StillReachesTrainableDelta()
    {
        manual_seed(22);
        using var unet = new UNet(UnetConfig.Tiny) { GradientCheckpointing = true };
        foreach (var p in unet.parameters()) p.requires_grad = false;
        // A trainable scale inside the first ResBlock, the block whose input comes from the frozen conv_in.
        var delta = new ScaleDelta();
        var conv = (Kohaku.Diffusion.Nn.AdaptableConv2d)Kohaku.Diffusion.Sdxl.ModuleTree.Named(unet)
            .Single(m => m.Path == "input_blocks.1.0.in_layers.2").Module;
        conv.Delta = delta;
        using var scope = NewDisposeScope();
        unet.call(randn(1, 4, 8, 8), tensor(new long[] { 300 }), randn(1, 5, 64), randn(1, 224)).square().mean().backward();
        Assert.NotNull(delta.Scale.grad);
        Assert.True(delta.Scale.grad!.abs().item<float>() > 0);
    }

    private sealed class ScaleDelta : Kohaku.Diffusion.Nn.IWeightDelta
    {
        public TorchSharp.Modules.Parameter Scale { get; } = new(tensor(0.1f));

        public Tensor DeltaFor(Tensor weight) => weight.detach() * Scale;
    }
}
