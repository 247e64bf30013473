using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// The metadata a LoKr file carries so that sd-scripts + LyCORIS can restart its training: the
// network_args as sd-scripts stores them (Python json.dumps of strings) and the preset TOML that their
// `preset` names. The golden TOML parses with Python's toml (what LyCORIS's read_preset uses) and, fed
// to LyCORIS 3.3.0's create_network with these args, selects the modules LokrSelectionTests pin.
[Collection(MetaDeviceCollection.Name)]
public sealed class LokrMetadataTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    private const string DeltaToml = """
        enable_conv = true
        use_fnmatch = false
        unet_target_module = ['Transformer2DModel', 'ResnetBlock2D', 'Downsample2D', 'Upsample2D']
        unet_target_name = ['time_embed.*', 'label_emb.*', 'input_blocks.0.*', 'out\..*']
        text_encoder_target_module = ['CLIPAttention', 'CLIPSdpaAttention', 'CLIPMLP']
        text_encoder_target_name = []

        [module_algo_map.CrossAttention]
        algo = 'lokr'
        factor = 4
        dim = 10000
        alpha = 10000

        [module_algo_map.FeedForward]
        algo = 'lokr'
        factor = 2
        dim = 10000
        alpha = 10000

        [module_algo_map.CLIPAttention]
        algo = 'lokr'
        factor = 8
        dim = 10000
        alpha = 10000

        [module_algo_map.CLIPMLP]
        algo = 'lokr'
        factor = 8
        dim = 10000
        alpha = 10000

        """;

    private static Dictionary<string, string> MetadataOf(LokrConfig config)
    {
        using var network = LokrNetwork.Build(Full.Value, config, device: META);
        return LokrFile.Metadata(network);
    }

    private static void AssertSame(LokrPreset expected, LokrPreset actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.UnetTargetModules, actual.UnetTargetModules);
        Assert.Equal(expected.UnetTargetNames, actual.UnetTargetNames);
        Assert.Equal(expected.TextEncoderTargetModules, actual.TextEncoderTargetModules);
        Assert.Equal(expected.ModuleAlgoMap.ToList(), actual.ModuleAlgoMap.ToList());
        Assert.Equal(expected.Default, actual.Default);
        Assert.Equal(expected.TrainNorm, actual.TrainNorm);
    }

    [Fact]
    public void Metadata_KohakuXlDelta_IsTheGoldenSet()
    {
        var expected = new Dictionary<string, string>
        {
            ["ss_network_module"] = "lycoris.kohya",
            ["ss_network_dim"] = "10000",
            ["ss_network_alpha"] = "10000.0",
            ["ss_network_args"] = """{"algo": "lokr", "preset": "kohaku-xl-delta.toml", "factor": "8", "conv_dim": "10000", "conv_alpha": "10000", "train_norm": "True", "dropout": "0"}""",
            ["ss_lycoris_preset"] = DeltaToml.ReplaceLineEndings("\n"),
            ["ss_base_model_version"] = "sdxl_base_v1-0",
            ["ss_v2"] = "False",
            ["modelspec.sai_model_spec"] = "1.0.0",
            ["modelspec.architecture"] = "stable-diffusion-xl-v1-base/lora",
            ["modelspec.implementation"] = "https://github.com/Stability-AI/generative-models",
        };
        var metadata = MetadataOf(new LokrConfig());
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_FullPreset_NamesLycorisBuiltin()
    {
        var metadata = MetadataOf(new LokrConfig { Preset = "full", Factor = 16 });
        Assert.Equal("""{"algo": "lokr", "preset": "full", "factor": "16", "conv_dim": "10000", "conv_alpha": "10000", "train_norm": "False", "dropout": "0"}""",
            metadata["ss_network_args"]);
    }

    [Theory]
    [InlineData("kohaku-xl-delta", null, null)]
    [InlineData("kohaku-xl-delta", 16L, false)]
    [InlineData("full", null, null)]
    [InlineData("full", -1L, true)]
    public void ReadPreset_RoundTripsTheNetworksPreset(string name, long? factor, bool? trainNorm)
    {
        var config = new LokrConfig { Preset = name, Factor = factor, TrainNorm = trainNorm };
        AssertSame(config.ResolvePreset(), LokrFile.ReadPreset(MetadataOf(config)));
    }

    // A file sd-scripts + LyCORIS wrote with a builtin preset has no TOML; LyCORIS parses args its own
    // way: train_norm by str_bool, decompose_both not at all (the string "False" is truthy).
    [Fact]
    public void ReadPreset_LycorisFullPresetFile_ReadsArgsAsLycorisDoes()
    {
        var metadata = new Dictionary<string, string>
        {
            ["ss_network_module"] = "lycoris.kohya",
            ["ss_network_dim"] = "100000",
            ["ss_network_alpha"] = "1.0",
            ["ss_network_args"] = """{"preset": "full", "algo": "LoKr", "factor": "6", "train_norm": "0", "decompose_both": "False", "dropout": null}""",
        };
        var preset = LokrFile.ReadPreset(metadata);
        Assert.Equal("full", preset.Name);
        Assert.Equal(LokrPreset.Full.UnetTargetModules, preset.UnetTargetModules);
        Assert.Empty(preset.ModuleAlgoMap);
        Assert.Equal(new LokrModuleConfig("lokr", 6, 100000, 1.0, FullMatrix: false, DecomposeBoth: true, UseTucker: false), preset.Default);
        Assert.True(preset.TrainNorm);
    }

    [Fact]
    public void ReadPreset_UnknownPresetFileWithoutToml_Throws()
    {
        var metadata = new Dictionary<string, string>
        {
            ["ss_network_module"] = "lycoris.kohya",
            ["ss_network_dim"] = "10000",
            ["ss_network_alpha"] = "10000.0",
            ["ss_network_args"] = """{"algo": "lokr", "preset": "lyco_config.toml"}""",
        };
        Assert.Contains("ss_lycoris_preset", Assert.Throws<InvalidDataException>(() => LokrFile.ReadPreset(metadata)).Message);
    }

    [Theory]
    [InlineData("use_fnmatch = false", "use_fnmatch = false\nlora_prefix = 'lycoris'")]
    [InlineData("algo = 'lokr'\nfactor = 2", "algo = 'loha'\nfactor = 2")]
    [InlineData("factor = 4", "factor = 4\nrank_dropout = 0.1")]
    public void TomlRead_UnsupportedSettings_Throw(string line, string replacement)
    {
        var toml = DeltaToml.ReplaceLineEndings("\n").Replace(line, replacement, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => LokrPresetToml.Read(toml, "x", LokrPreset.KohakuXlDelta.Default, true));
    }
}
