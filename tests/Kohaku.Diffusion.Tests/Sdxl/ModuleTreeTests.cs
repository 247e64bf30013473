using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using Kohaku.Diffusion.Sdxl.Unet;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class ModuleTreeTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    [Fact]
    public void Adaptable_SdxlUnet_743LinearsAnd51Convs()
    {
        var layers = ModuleTree.Adaptable(Full.Value.Unet, SdxlModels.UnetPrefix).ToList();
        // time_embed 2 + label_emb 2 + 17 ResBlock emb + 11×2 proj_in/out + 70 blocks × 10.
        Assert.Equal(743, layers.Count(l => l.Module is AdaptableLinear));
        Assert.Equal(51, layers.Count(l => l.Module is AdaptableConv2d));
    }

    [Fact]
    public void Adaptable_TextEncoders_EveryProjectionOfTheSheet()
    {
        Assert.Equal(72, ModuleTree.Adaptable(Full.Value.Te1, SdxlModels.Te1Prefix).Count());   // 12 × (q k v out fc1 fc2)
        Assert.Equal(96, ModuleTree.Adaptable(Full.Value.Te2, SdxlModels.Te2Prefix).Count());   // 32 × (out_proj c_fc c_proj)
    }

    [Fact]
    public void Adaptable_Paths_AreWeightKeysOfTheCheckpoint()
    {
        var keys = Full.Value.StateDict().Select(k => k.Key).ToHashSet();
        var paths = Full.Value.Components().SelectMany(c => ModuleTree.Adaptable(c.Module, c.Prefix)).Select(l => l.Path).ToList();
        Assert.All(paths, p => Assert.Contains(p + ".weight", keys));
        Assert.Contains("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q", paths);
        Assert.Contains("model.diffusion_model.output_blocks.2.2.conv", paths);
        Assert.Contains("model.diffusion_model.label_emb.0.0", paths);
        Assert.Contains("conditioner.embedders.0.transformer.text_model.encoder.layers.11.self_attn.q_proj", paths);
        Assert.Contains("conditioner.embedders.1.model.transformer.resblocks.31.mlp.c_fc", paths);
    }

    [Fact]
    public void Named_IncludesRootAndClassesLokrSelectsBy()
    {
        var named = ModuleTree.Named(Full.Value.Unet, SdxlModels.UnetPrefix).ToList();
        Assert.Equal(("model.diffusion_model", (TorchSharp.torch.nn.Module)Full.Value.Unet), named[0]);
        Assert.Equal(17, named.Count(n => n.Module is ResBlock));
        Assert.Equal(11, named.Count(n => n.Module is SpatialTransformer));
        Assert.Equal(70, named.Count(n => n.Module is BasicTransformerBlock));
        Assert.Equal(140, named.Count(n => n.Module is CrossAttention));
        Assert.Equal(70, named.Count(n => n.Module is FeedForward));
        Assert.Equal(2, named.Count(n => n.Module is Downsample));
        Assert.Equal(2, named.Count(n => n.Module is Upsample));
        var te2 = ModuleTree.Named(Full.Value.Te2, SdxlModels.Te2Prefix).ToList();
        Assert.Equal(32, te2.Count(n => n.Module is OpenClipAttention));
        Assert.Contains(te2, n => n.Path == "conditioner.embedders.1.model.transformer.resblocks.0.attn" && n.Module is OpenClipAttention);
    }
}
