using System.Security.Cryptography;
using System.Text;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// Which SDXL layers a preset selects, against LyCORIS itself: its kohya create_modules (LyCORIS
// f49d30d, 3.3.0) run on sd-scripts' SdxlUNet2DConditionModel built on the meta device, with train_norm,
// the Δ module_algo_map and the adapter constructors replaced by recorders. A digest is the SHA-256 of
// the sorted (ordinal) lines "lora_name factor parameters" of the UNet LoKr modules, joined by "\n",
// or of the sorted UNet norm names.
[Collection(MetaDeviceCollection.Name)]
public sealed class LokrSelectionTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    private static readonly string[] DeltaNameTargets =
        ["lora_unet_time_embed_0", "lora_unet_time_embed_2", "lora_unet_label_emb_0_0", "lora_unet_label_emb_0_2", "lora_unet_input_blocks_0_0", "lora_unet_out_2"];

    private static string Digest(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines.Order(StringComparer.Ordinal)))));

    private static string UnetDigest(IEnumerable<LokrTarget> plan) =>
        Digest(plan.Where(t => t.Part == LokrPart.Unet).Select(t => $"{t.Name} {t.Factor} {t.Shape.ParameterCount}"));

    private static LokrPreset WithNames(params string[] names) => LokrPreset.KohakuXlDelta with { UnetTargetNames = names };

    [Fact]
    public void Delta_SelectsExactlyWhatLycorisSelects()
    {
        var plan = LokrNetwork.Plan(Full.Value, LokrPreset.KohakuXlDelta);
        Assert.Equal(794, plan.Count(t => t.Part == LokrPart.Unet));
        Assert.Equal(372_882_800L, plan.Where(t => t.Part == LokrPart.Unet).Sum(t => t.Shape.ParameterCount));
        Assert.Equal("3470ceddc083e65a70f3bcfef8ac4f802f9f7b70717ec27d03b7304d4fe7411d", UnetDigest(plan));
        Assert.Equal(264, plan.Count(t => t.Part == LokrPart.TextEncoder));
        Assert.Equal(11_174_400L, plan.Where(t => t.Part == LokrPart.TextEncoder).Sum(t => t.Shape.ParameterCount));

        using var network = LokrNetwork.Build(Full.Value, new LokrConfig(), device: META);
        var unetNorms = network.Norms.Select(n => n.Name).Where(n => n.StartsWith("lora_unet_", StringComparison.Ordinal)).ToList();
        Assert.Equal(256, unetNorms.Count);
        Assert.Equal("5cb4d9a68a8cd80aa19b1c4544d45d552a5098ac03f30b0720f855c0bd0feb8a", Digest(unetNorms));
        Assert.Equal(1058, network.Modules.Count);
        Assert.Equal(384_645_360L, network.ParameterCount);
    }

    [Fact]
    public void Delta_NamePatternsTakeOnlyTheTopLevelLayers()
    {
        var plan = LokrNetwork.Plan(Full.Value, LokrPreset.KohakuXlDelta);
        var byName = plan.Where(t => t.SelectedBy.StartsWith("name ", StringComparison.Ordinal)).ToDictionary(t => t.Name);
        Assert.Equal(DeltaNameTargets.Order(StringComparer.Ordinal), byName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["name time_embed.*", "name time_embed.*", "name label_emb.*", "name label_emb.*", "name input_blocks.0.*", @"name out\..*"],
            DeltaNameTargets.Select(n => byName[n].SelectedBy));
        Assert.All(byName.Values, t => Assert.Equal(8, t.Factor));

        var output = plan.Where(t => t.Name.StartsWith("lora_unet_output_blocks_", StringComparison.Ordinal)).ToList();
        Assert.Equal(410, output.Count);
        Assert.All(output, t => Assert.StartsWith("class ", t.SelectedBy));
        var attention = plan.Single(t => t.Name == "lora_unet_output_blocks_2_1_transformer_blocks_9_attn2_to_k");
        Assert.Equal((4L, "class Transformer2DModel/CrossAttention"), (attention.Factor, attention.SelectedBy));
        var ff = plan.Single(t => t.Name == "lora_unet_output_blocks_5_1_transformer_blocks_1_ff_net_0_proj");
        Assert.Equal((2L, "class Transformer2DModel/FeedForward"), (ff.Factor, ff.SelectedBy));
        var resnet = plan.Single(t => t.Name == "lora_unet_output_blocks_0_0_in_layers_2");
        Assert.Equal((8L, "class ResnetBlock2D"), (resnet.Factor, resnet.SelectedBy));
    }

    // `out.*` as Δ's published toml is quoted: re.match also finds it in every output_blocks path, and
    // LyCORIS 3.x then takes those layers one by one at the network factor 8.
    [Fact]
    public void LiteralOutPattern_TakesOutputBlocksByNameAsLycoris3Does()
    {
        var preset = WithNames("time_embed.*", "label_emb.*", "input_blocks.0.*", "out.*");
        var plan = LokrNetwork.Plan(Full.Value, preset);
        Assert.Equal(794, plan.Count(t => t.Part == LokrPart.Unet));
        Assert.Equal(205_123_664L, plan.Where(t => t.Part == LokrPart.Unet).Sum(t => t.Shape.ParameterCount));
        Assert.Equal("3431a3d106c7e1df6700e37b6f21b80f06456cb5898ec597b434dc1fef7629b6", UnetDigest(plan));
        var output = plan.Where(t => t.Name.StartsWith("lora_unet_output_blocks_", StringComparison.Ordinal)).ToList();
        Assert.Equal(410, output.Count);
        Assert.All(output, t => Assert.Equal(("name out.*", 8L), (t.SelectedBy, t.Factor)));
        var norms = LokrNetwork.NormParameterCount(Full.Value.Unet, Full.Value.Te1, Full.Value.Te2, preset);
        Assert.Equal(216_886_224L, plan.Sum(t => t.Shape.ParameterCount) + norms);
    }

    // Both are LyCORIS "duplicated lora name" assertions (same first duplicate).
    [Theory]
    [InlineData(new[] { "Transformer2DModel", "ResnetBlock2D", "Downsample2D", "Upsample2D" }, "output_blocks.0.0.in_layers.2", "lora_unet_output_blocks_0_0_in_layers_2")]
    [InlineData(new[] { "Transformer2DModel", "CrossAttention" }, null, "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q")]
    public void LayerTakenTwice_IsAnError(string[] classes, string? name, string duplicate)
    {
        var preset = LokrPreset.KohakuXlDelta with { UnetTargetModules = classes, UnetTargetNames = name is null ? [] : [name] };
        var error = Assert.Throws<InvalidOperationException>(() => LokrNetwork.Plan(Full.Value, preset));
        Assert.Contains($" {duplicate} twice", error.Message);
    }
}
