using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// Counts and shapes of lycoris-lokr.md §7.4 and §11 on the full-size SDXL built on the meta device.
[Collection(MetaDeviceCollection.Name)]
public sealed class LokrNetworkTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    private static string Shapes(LokrTarget t) => string.Join(" ", t.Shape.Tensors.Select(x => $"{x.Suffix}[{string.Join(",", x.Shape)}]"));

    [Fact]
    public void Plan_FullPresetOnSdxl_Selects1052Modules788Unet264Te()
    {
        var plan = LokrNetwork.Plan(Full.Value, LokrPreset.Full);
        Assert.Equal(1052, plan.Count);
        Assert.Equal(788, plan.Count(t => t.Part == LokrPart.Unet));
        Assert.Equal(72, plan.Count(t => t.Name.StartsWith("lora_te1_", StringComparison.Ordinal)));
        Assert.Equal(192, plan.Count(t => t.Name.StartsWith("lora_te2_", StringComparison.Ordinal)));
        Assert.Equal(1052, plan.Select(t => t.Name).Distinct().Count());
    }

    [Fact]
    public void Plan_Factor8FullMatrix_Has51202432Parameters()
    {
        var plan = LokrNetwork.Plan(Full.Value, LokrPreset.Full.WithFactor(8));
        Assert.Equal(51_202_432L, plan.Sum(t => t.Shape.ParameterCount));
        Assert.Equal(40_028_032L, plan.Where(t => t.Part == LokrPart.Unet).Sum(t => t.Shape.ParameterCount));
        Assert.Equal(3_272_646_656L, plan.Sum(t => t.Shape.Weight.Aggregate(1L, (a, b) => a * b)));
    }

    [Theory]
    [InlineData(2, 818_165_872L)]
    [InlineData(4, 204_557_248L)]
    [InlineData(16, 13_053_088L)]
    [InlineData(-1, 3_702_640L)]
    public void Plan_OtherFactors_MatchSheetTotals(long factor, long parameters)
    {
        Assert.Equal(parameters, LokrNetwork.Plan(Full.Value, LokrPreset.Full.WithFactor(factor)).Sum(t => t.Shape.ParameterCount));
    }

    [Fact]
    public void Plan_KohakuXlDelta_UsesPerClassFactorsAndNameTargets()
    {
        var plan = LokrNetwork.Plan(Full.Value, LokrPreset.KohakuXlDelta).ToDictionary(t => t.Name);
        // The 1,052 class-selected layers plus time_embed.{0,2}, label_emb.0.{0,2}, input_blocks.0.0, out.2.
        Assert.Equal(1058, plan.Count);
        foreach (var name in new[] { "lora_unet_time_embed_0", "lora_unet_time_embed_2", "lora_unet_label_emb_0_0", "lora_unet_label_emb_0_2", "lora_unet_input_blocks_0_0", "lora_unet_out_2" })
            Assert.Contains(name, plan.Keys);
        Assert.Equal("lokr_w1[4,4] lokr_w2[160,160]", Shapes(plan["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q"]));
        Assert.Equal("lokr_w1[4,4] lokr_w2[160,512]", Shapes(plan["lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k"]));
        Assert.Equal("lokr_w1[2,2] lokr_w2[5120,640]", Shapes(plan["lora_unet_input_blocks_7_1_transformer_blocks_0_ff_net_0_proj"]));
        Assert.Equal("lokr_w1[2,2] lokr_w2[640,2560]", Shapes(plan["lora_unet_input_blocks_7_1_transformer_blocks_0_ff_net_2"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[80,80]", Shapes(plan["lora_unet_input_blocks_4_1_proj_in"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[40,40,3,3]", Shapes(plan["lora_unet_input_blocks_1_0_in_layers_2"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[80,40,1,1]", Shapes(plan["lora_unet_input_blocks_4_0_skip_connection"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[640,160]", Shapes(plan["lora_te2_text_model_encoder_layers_0_mlp_fc1"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[160,160]", Shapes(plan["lora_te2_text_model_encoder_layers_31_self_attn_v_proj"]));
        Assert.Equal("lokr_w1[8,8] lokr_w2[96,96]", Shapes(plan["lora_te1_text_model_encoder_layers_0_self_attn_q_proj"]));
        Assert.All(plan.Values, t => Assert.Equal(1.0, t.Shape.Scale));
    }

    [Fact]
    public void Plan_KohakuXlDelta_TrainableSizeNearPublished783MB()
    {
        var preset = LokrPreset.KohakuXlDelta;
        var lokr = LokrNetwork.Plan(Full.Value, preset).Sum(t => t.Shape.ParameterCount);
        var norms = LokrNetwork.NormParameterCount(Full.Value.Unet, Full.Value.Te1, Full.Value.Te2, preset);
        var bytes = 2 * (lokr + norms);
        Console.WriteLine($"kohaku-xl-delta: {lokr:N0} LoKr + {norms:N0} norm parameters = {bytes / 1e6:F1} MB fp16");
        // Published files: 783 MB (784,877,708 bytes for Epsilon, same config); tensors alone must come within 5%.
        Assert.InRange(bytes, 745_000_000L, 785_000_000L);
    }

    [Fact]
    public void Build_OnMeta_GroupsParametersByPart()
    {
        using var network = LokrNetwork.Build(Full.Value, new LokrConfig { TrainNorm = false, Factor = 8 }, device: META);
        Assert.Equal(1058, network.Modules.Count);
        Assert.Equal(11_174_400L, network.TextEncoderParameters.Sum(p => p.numel()));
        Assert.Equal(network.ParameterCount, network.UnetParameters.Sum(p => p.numel()) + 11_174_400L);
    }

    [Fact]
    public void Build_TinyCpu_StartsAtZeroDeltaAndDetaches()
    {
        using var models = SdxlModels.Create(SdxlConfig.Tiny);
        var config = new LokrConfig { Factor = 2 };
        using var network = LokrNetwork.Build(models, config);
        Assert.True(network.Modules.Count > 0);
        Assert.Contains(network.Targets, t => t.Name.EndsWith("_self_attn_q_proj", StringComparison.Ordinal) && t.Name.StartsWith("lora_te2_", StringComparison.Ordinal));
        using var tokens = tensor(new long[] { 49406, 320, 49407 }).reshape(1, 3);
        using var before = models.Te2.call(tokens);
        using (no_grad())
            foreach (var p in network.TextEncoderParameters) p.add_(0.1);
        using var changed = models.Te2.call(tokens);
        Assert.False(allclose(before, changed));
        network.Detach();
        using var after = models.Te2.call(tokens);
        Assert.True(allclose(before, after));
    }
}
