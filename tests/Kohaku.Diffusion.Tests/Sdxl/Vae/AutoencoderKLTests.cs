using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl.Vae;

[Collection(MetaDeviceCollection.Name)]
public sealed class AutoencoderKLTests
{
    private static readonly Lazy<AutoencoderKL> Full = new(() => new AutoencoderKL(VaeConfig.Sdxl, META));

    private static Dictionary<string, long[]> Shapes(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void ParameterCount_Sdxl_Is83653863()
    {
        Assert.Equal(83_653_863L, ModuleTree.ParameterCount(Full.Value));
    }

    [Fact]
    public void ParameterCount_SdxlParts_MatchSheet()
    {
        long Count(string prefix) => Full.Value.state_dict().Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value.numel());
        Assert.Equal(34_163_592L, Count("encoder."));
        Assert.Equal(49_490_179L, Count("decoder."));
        Assert.Equal(72L, Count("quant_conv."));
        Assert.Equal(20L, Count("post_quant_conv."));
    }

    [Fact]
    public void StateDict_Sdxl_Has248KeysAnd72Rank4()
    {
        var shapes = Shapes(Full.Value);
        Assert.Equal(248, shapes.Count);
        Assert.Equal(72, shapes.Values.Count(s => s.Length == 4));
    }

    [Theory]
    [InlineData("encoder.conv_in.weight", new long[] { 128, 3, 3, 3 })]
    [InlineData("encoder.down.1.block.0.nin_shortcut.weight", new long[] { 256, 128, 1, 1 })]
    [InlineData("encoder.down.2.block.0.nin_shortcut.weight", new long[] { 512, 256, 1, 1 })]
    [InlineData("encoder.down.2.downsample.conv.weight", new long[] { 512, 512, 3, 3 })]
    [InlineData("encoder.mid.attn_1.q.weight", new long[] { 512, 512, 1, 1 })]
    [InlineData("encoder.mid.attn_1.proj_out.bias", new long[] { 512 })]
    [InlineData("encoder.norm_out.weight", new long[] { 512 })]
    [InlineData("encoder.conv_out.weight", new long[] { 8, 512, 3, 3 })]
    [InlineData("quant_conv.weight", new long[] { 8, 8, 1, 1 })]
    [InlineData("post_quant_conv.weight", new long[] { 4, 4, 1, 1 })]
    [InlineData("decoder.conv_in.weight", new long[] { 512, 4, 3, 3 })]
    [InlineData("decoder.mid.block_2.conv2.weight", new long[] { 512, 512, 3, 3 })]
    [InlineData("decoder.up.0.block.0.nin_shortcut.weight", new long[] { 128, 256, 1, 1 })]
    [InlineData("decoder.up.1.block.0.nin_shortcut.weight", new long[] { 256, 512, 1, 1 })]
    [InlineData("decoder.up.3.block.2.conv1.weight", new long[] { 512, 512, 3, 3 })]
    [InlineData("decoder.up.1.upsample.conv.weight", new long[] { 256, 256, 3, 3 })]
    [InlineData("decoder.conv_out.weight", new long[] { 3, 128, 3, 3 })]
    public void StateDict_Sdxl_KeyHasSheetShape(string key, long[] shape)
    {
        Assert.Equal(shape, Shapes(Full.Value)[key]);
    }

    [Theory]
    [InlineData("encoder.down.3.downsample.conv.weight")]
    [InlineData("decoder.up.0.upsample.conv.weight")]
    [InlineData("decoder.up.3.block.0.nin_shortcut.weight")]
    public void StateDict_Sdxl_LacksKeyAbsentFromFile(string key)
    {
        Assert.DoesNotContain(key, Shapes(Full.Value).Keys);
    }

    [Fact]
    public void EncodeDecode_Tiny_Downsamples8x()
    {
        manual_seed(6);
        using var vae = new AutoencoderKL(VaeConfig.Tiny);
        using var scope = NewDisposeScope();
        var z = vae.Encode(rand(1, 3, 64, 48) * 2 - 1);
        Assert.Equal(new long[] { 1, 4, 8, 6 }, z.shape);
        Assert.Equal(new long[] { 1, 3, 64, 48 }, vae.Decode(z).shape);
    }

    [Fact]
    public void Encode_WithGenerator_SampleIsDeterministicPerSeedAndNotTheMean()
    {
        manual_seed(8);
        using var vae = new AutoencoderKL(VaeConfig.Tiny);
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 32, 32) * 2 - 1;
        var mean = vae.Encode(image);
        var a = vae.Encode(image, new TorchSharp.torch.Generator(3));
        var b = vae.Encode(image, new TorchSharp.torch.Generator(3));
        var c = vae.Encode(image, new TorchSharp.torch.Generator(4));
        Assert.True(a.Equals(b));
        Assert.False(allclose(a, mean));
        Assert.False(allclose(a, c));
    }
}
