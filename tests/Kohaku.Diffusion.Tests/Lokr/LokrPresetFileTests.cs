using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Sdxl;

namespace Kohaku.Diffusion.Tests.Lokr;

// LyCORIS preset TOML files as lokr.preset. The expected selections are worked out by hand from
// LyCORIS 3.3.0's lycoris/kohya.py (create_modules, create_modules_, create_single_module,
// find_conf_for_name) on the tiny SDXL, whose module paths are the full model's at fewer blocks.
[Collection(MetaDeviceCollection.Name)]
public sealed class LokrPresetFileTests
{
    private static readonly Lazy<SdxlModels> Tiny = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Tiny));

    // enable_conv off; two target classes with entries (ResnetBlock2D names a dim, Transformer2DModel
    // does not), nested FeedForward and Conv2d entries (Conv2d without a dim), UNet names (one a whole
    // block, one a k×k conv) and text encoder names, and name_algo_map exact and regex keys.
    private const string Mixed = """
        enable_conv = false
        unet_target_module = ['Transformer2DModel', 'ResnetBlock2D']
        unet_target_name = ['time_embed', 'input_blocks\.4\.', 'out\.2']
        text_encoder_target_module = ['CLIPMLP']
        text_encoder_target_name = ['text_model.encoder.layers.1.self_attn.[qv]_proj']

        [module_algo_map.Transformer2DModel]
        factor = 4

        [module_algo_map.FeedForward]
        factor = 2
        dim = 10000

        [module_algo_map.ResnetBlock2D]
        factor = 16
        dim = 10000

        [module_algo_map.Conv2d]
        factor = 2

        [name_algo_map.'input_blocks.4.0.in_layers.2']
        factor = 4
        dim = 10000

        [name_algo_map.'input_blocks\.4\.1\.transformer_blocks\.0\.attn.\.to_']
        factor = 16

        [name_algo_map.'input_blocks\.4\.1\.transformer_blocks\.0\.attn2\.to_k']
        factor = 2

        [name_algo_map.'input_blocks.4.1.transformer_blocks.0.attn1.to_v']
        factor = 2

        [name_algo_map.'text_model.encoder.layers.1.self_attn.v_proj']
        factor = 4
        """;

    private static LokrPreset Read(string toml) => LokrPresetToml.Read(toml, "test", LokrPreset.DeltaDefaults, trainNorm: false, "test.toml");

    private static List<string> Lines(IEnumerable<LokrTarget> plan) => plan.Select(t => $"{t.Name} {t.Factor}").Order(StringComparer.Ordinal).ToList();

    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    [Fact]
    public void NameAndModuleMaps_SelectWhatLycorisSelects()
    {
        var expected = new List<string>
        {
            // By name, network factor 8: `time_embed` matches time_embed.0/.2 (re.match is a prefix match).
            "lora_unet_time_embed_0 8", "lora_unet_time_embed_2 8",
            // input_blocks.4.* by name, so not by class: exact name_algo_map key (its dim lets the 3×3 conv in),
            // no key and no Linear entry (8), the 1×1 conv's own Conv2d entry (2); out_layers.3 (3×3, the
            // Conv2d entry names no dim) is left out, as is out.2.
            "lora_unet_input_blocks_4_0_in_layers_2 4", "lora_unet_input_blocks_4_0_emb_layers_1 8", "lora_unet_input_blocks_4_0_skip_connection 2",
            "lora_unet_input_blocks_4_1_proj_in 8", "lora_unet_input_blocks_4_1_proj_out 8",
            // The first regex key (16) before the later attn2.to_k key; the exact attn1.to_v key before both.
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q 16", "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k 16",
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_v 2", "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_out_0 16",
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_q 16", "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k 16",
            "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_v 16", "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_out_0 16",
            // FeedForward's entry does not reach layers taken by name.
            "lora_unet_input_blocks_4_1_transformer_blocks_0_ff_net_0_proj 8", "lora_unet_input_blocks_4_1_transformer_blocks_0_ff_net_2 8",
        };
        // ResnetBlock2D by class: its Linear and (through the Conv2d entry, which names no dim, back to
        // the ResnetBlock2D entry, which does) its 3×3 convs at 16; a 1×1 skip connection at Conv2d's 2.
        string[] resBlocks = ["input_blocks_1_0", "input_blocks_2_0", "input_blocks_5_0", "input_blocks_7_0", "input_blocks_8_0", "middle_block_0", "middle_block_2",
            .. Enumerable.Range(0, 9).Select(i => $"output_blocks_{i}_0")];
        foreach (var block in resBlocks)
        {
            expected.AddRange([$"lora_unet_{block}_in_layers_2 16", $"lora_unet_{block}_emb_layers_1 16", $"lora_unet_{block}_out_layers_3 16"]);
            if (block is "input_blocks_7_0" || block.StartsWith("output_", StringComparison.Ordinal)) expected.Add($"lora_unet_{block}_skip_connection 2");
        }
        // Transformer2DModel by class at 4, its FeedForward at 2.
        string[] transformers = ["input_blocks_5_1", "input_blocks_7_1", "input_blocks_8_1", "middle_block_1", .. Enumerable.Range(0, 6).Select(i => $"output_blocks_{i}_1")];
        foreach (var block in transformers)
        {
            expected.AddRange([$"lora_unet_{block}_proj_in 4", $"lora_unet_{block}_proj_out 4"]);
            foreach (var attn in new[] { "attn1", "attn2" })
                foreach (var layer in new[] { "to_q", "to_k", "to_v", "to_out_0" })
                    expected.Add($"lora_unet_{block}_transformer_blocks_0_{attn}_{layer} 4");
            expected.AddRange([$"lora_unet_{block}_transformer_blocks_0_ff_net_0_proj 2", $"lora_unet_{block}_transformer_blocks_0_ff_net_2 2"]);
        }
        // Text encoders: CLIPMLP by class at the network factor; layer 1's q/v projections by (HF) name,
        // v_proj at its exact name_algo_map key; TE2's fused attention counts as those HF layers.
        foreach (var te in new[] { "te1", "te2" })
        {
            for (var i = 0; i < 3; i++) expected.AddRange([$"lora_{te}_text_model_encoder_layers_{i}_mlp_fc1 8", $"lora_{te}_text_model_encoder_layers_{i}_mlp_fc2 8"]);
            expected.AddRange([$"lora_{te}_text_model_encoder_layers_1_self_attn_q_proj 8", $"lora_{te}_text_model_encoder_layers_1_self_attn_v_proj 4"]);
        }

        var plan = LokrNetwork.Plan(Tiny.Value, Read(Mixed));
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToList(), Lines(plan));
        Assert.Equal(211, plan.Count);
        var by = plan.ToDictionary(t => t.Name, t => t.SelectedBy);
        Assert.Equal(@"name input_blocks\.4\., name_algo_map input_blocks.4.1.transformer_blocks.0.attn1.to_v", by["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_v"]);
        Assert.Equal(@"name input_blocks\.4\., Conv2d", by["lora_unet_input_blocks_4_0_skip_connection"]);
        Assert.Equal("class ResnetBlock2D", by["lora_unet_output_blocks_3_0_in_layers_2"]);
        Assert.Equal("class ResnetBlock2D/Conv2d", by["lora_unet_output_blocks_3_0_skip_connection"]);
        Assert.Equal("class Transformer2DModel/FeedForward", by["lora_unet_middle_block_1_transformer_blocks_0_ff_net_2"]);
    }

    // use_fnmatch: patterns match the whole path, "." is a dot, `time_embed` matches only the Sequential.
    [Fact]
    public void Fnmatch_MatchesWholePaths()
    {
        var preset = Read("""
            use_fnmatch = true
            unet_target_module = []
            unet_target_name = ['time_embed', 'input_blocks.[12].0.*_layers.?', 'output_blocks.?.0.skip_connection']
            text_encoder_target_module = []

            [name_algo_map.'*emb_layers*']
            factor = 4
            """);
        var expected = new List<string>();
        foreach (var b in new[] { 1, 2 })
            expected.AddRange([$"lora_unet_input_blocks_{b}_0_in_layers_2 8", $"lora_unet_input_blocks_{b}_0_emb_layers_1 4", $"lora_unet_input_blocks_{b}_0_out_layers_3 8"]);
        expected.AddRange(Enumerable.Range(0, 9).Select(i => $"lora_unet_output_blocks_{i}_0_skip_connection 8"));
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToList(), Lines(LokrNetwork.Plan(Tiny.Value, preset)));
    }

    [Theory]
    [InlineData("full")]
    [InlineData("kohaku-xl-delta")]
    public void DataPresetFiles_AreTheBuiltIns(string name)
    {
        var builtIn = LokrPreset.Named(name);
        var path = RepoFile(Path.Combine("data", "presets", name + ".toml"));
        foreach (var preset in new[] { LokrPreset.FromFile(path, LokrPreset.DeltaDefaults, builtIn.TrainNorm), Read(LokrPresetToml.Write(builtIn)) with { Name = name, TrainNorm = builtIn.TrainNorm } })
        {
            Assert.Equal(name, preset.Name);
            Assert.Equal(builtIn.UnetTargetModules, preset.UnetTargetModules);
            Assert.Equal(builtIn.UnetTargetNames, preset.UnetTargetNames);
            Assert.Equal(builtIn.TextEncoderTargetModules, preset.TextEncoderTargetModules);
            Assert.Equal(builtIn.TextEncoderTargetNames, preset.TextEncoderTargetNames);
            Assert.Equal(builtIn.ModuleAlgoMap.ToList(), preset.ModuleAlgoMap.ToList());
            Assert.Equal(builtIn.NameAlgoMap, preset.NameAlgoMap);
            Assert.Equal((builtIn.Default, builtIn.EnableConv, builtIn.UseFnmatch), (preset.Default, preset.EnableConv, preset.UseFnmatch));
        }
    }

    [Fact]
    public void Write_KeepsNameMapsEnableConvAndEntriesWithoutDim()
    {
        var preset = Read(Mixed);
        var again = Read(LokrPresetToml.Write(preset));
        Assert.Equal(preset.NameAlgoMap, again.NameAlgoMap);
        Assert.Equal(preset.ModuleAlgoMap.ToList(), again.ModuleAlgoMap.ToList());
        Assert.Equal(preset.TextEncoderTargetNames, again.TextEncoderTargetNames);
        Assert.False(again.EnableConv);
        Assert.False(again.ModuleAlgoMap["Conv2d"].DimGiven);
        Assert.Equal(Lines(LokrNetwork.Plan(Tiny.Value, preset)), Lines(LokrNetwork.Plan(Tiny.Value, again)));
    }

    // LyCORIS reads a missing key as its class-wide default and ignores an unknown one; here a typo
    // or another algorithm is an error naming the file and the key.
    [Theory]
    [InlineData("unet_target_modules = ['ResnetBlock2D']", "test.toml: unknown key unet_target_modules")]
    [InlineData("[name_algo_map.'time_embed.0']\nalgo = 'loha'", "test.toml: name_algo_map.time_embed.0.algo: \"loha\" is not supported")]
    [InlineData("[module_algo_map.FeedForward]\nfactor = 2\nrank_dropout = 0.1", "test.toml: unknown key module_algo_map.FeedForward.rank_dropout")]
    public void UnknownKeyOrAlgo_IsAnErrorNamingFileAndKey(string toml, string message)
    {
        var error = Assert.Throws<NotSupportedException>(() => Read(toml));
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData("unet_target_name = ['input_blocks.(4']", "test.toml: unet_target_name: 'input_blocks.(4' is not a pattern")]
    [InlineData("enable_conv = 'no'", "test.toml: enable_conv must be true or false")]
    [InlineData("[module_algo_map.FeedForward]\nfactor = 0", "test.toml: module_algo_map.FeedForward.factor: 0 must be -1 or positive")]
    [InlineData("unet_target_name = [", "test.toml: not valid TOML")]
    public void MalformedValues_AreAnErrorNamingFileAndKey(string toml, string message)
    {
        Assert.StartsWith(message, Assert.Throws<InvalidDataException>(() => Read(toml)).Message);
    }

    // lokr.preset as a path: relative to the run file, made absolute on load; a missing or bad file is
    // one lokr.preset line.
    [Fact]
    public void RunFilePresetPath_IsRelativeToTheRunFileAndChecked()
    {
        var dir = Directory.CreateTempSubdirectory("kohaku-preset-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "presets"));
            File.WriteAllText(Path.Combine(dir.FullName, "presets", "mine.toml"), Mixed);
            var runFile = Path.Combine(dir.FullName, "run.json");
            File.WriteAllText(runFile, """{ "lokr": { "preset": "presets/mine.toml", "factor": 4 } }""");
            var config = LokrConfig.Load(runFile);
            Assert.Equal(Path.Combine(dir.FullName, "presets", "mine.toml"), config.Preset);
            Assert.Empty(config.Problems());
            var preset = config.ResolvePreset();
            Assert.Equal(("mine", true), (preset.Name, preset.TrainNorm));
            Assert.All(preset.NameAlgoMap, kv => Assert.Equal(4, kv.Value.Factor));

            var missing = Path.Combine(dir.FullName, "nope.toml");
            Assert.Equal([$"lokr.preset: LoKr preset {missing}: file not found"], new LokrConfig { Preset = missing }.Problems());
            File.WriteAllText(Path.Combine(dir.FullName, "bad.toml"), "unet_target_module = ['ResnetBlock2D']\nnetwork_dim = 4\n");
            var bad = Path.Combine(dir.FullName, "bad.toml");
            var problem = Assert.Single(new LokrConfig { Preset = bad }.Problems());
            Assert.StartsWith($"lokr.preset: LoKr preset {bad}: unknown key network_dim", problem);
            Assert.StartsWith("lokr.preset: unknown \"mine\"", Assert.Single(new LokrConfig { Preset = "mine" }.Problems()));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Metadata_PresetFile_NamesTheFileAndHoldsItsToml()
    {
        var dir = Directory.CreateTempSubdirectory("kohaku-preset-");
        try
        {
            var path = Path.Combine(dir.FullName, "mine.toml");
            File.WriteAllText(path, Mixed);
            using var network = LokrNetwork.Build(Tiny.Value, new LokrConfig { Preset = path }, device: TorchSharp.torch.META);
            var metadata = LokrFile.Metadata(network);
            Assert.Contains("\"preset\": \"mine.toml\"", metadata["ss_network_args"]);
            Assert.Equal(LokrPresetToml.Write(network.Preset), metadata[LokrFile.PresetTomlKey]);
            var read = LokrFile.ReadPreset(metadata);
            Assert.Equal("mine", read.Name);
            Assert.Equal(Lines(network.Targets), Lines(LokrNetwork.Plan(Tiny.Value, read)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
