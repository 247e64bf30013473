using System.Security.Cryptography;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.SafeTensors;
using Kohaku.Diffusion.Tests.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

[Collection(MetaDeviceCollection.Name)]
public sealed class LokrFileTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    internal static void Randomise(LokrNetwork network, int seed)
    {
        var gen = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var p in network.UnetParameters.Concat(network.TextEncoderParameters)) p.add_(randn(p.shape, generator: gen) * 0.05);
    }

    [Fact]
    public void Entries_KohakuXlDeltaOnMeta_HaveLycorisKeysAndShapes()
    {
        using var network = LokrNetwork.Build(Full.Value, new LokrConfig(), device: META);
        var entries = LokrFile.Entries(network, SafeDType.F16);
        var byName = entries.ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal(entries.Count, byName.Count);
        Assert.All(entries, e => Assert.Equal(SafeDType.F16, e.DType));
        Assert.Equal(1058 * 3 + 2 * network.Norms.Count, entries.Count);
        Assert.StartsWith("lora_te1_text_model_encoder_layers_0_self_attn_", entries[0].Name);
        Assert.Equal([], byName["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.alpha"]);
        Assert.Equal([4L, 4], byName["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lokr_w1"]);
        Assert.Equal([160L, 160], byName["lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lokr_w2"]);
        Assert.Equal([40L, 40, 3, 3], byName["lora_unet_input_blocks_1_0_in_layers_2.lokr_w2"]);
        Assert.Equal([80L, 40, 1, 1], byName["lora_unet_input_blocks_4_0_skip_connection.lokr_w2"]);
        Assert.Equal([640L, 2560], byName["lora_unet_middle_block_1_transformer_blocks_9_ff_net_2.lokr_w2"]);
        Assert.Equal([160L, 160], byName["lora_te2_text_model_encoder_layers_31_self_attn_k_proj.lokr_w2"]);
        Assert.Equal([96L, 384], byName["lora_te1_text_model_encoder_layers_11_mlp_fc2.lokr_w2"]);
        Assert.Equal([1280L], byName["lora_unet_input_blocks_7_1_transformer_blocks_0_norm1.w_norm"]);
        Assert.Equal([320L], byName["lora_unet_out_0.b_norm"]);
    }

    [Fact]
    public void SaveLoad_Tiny_RoundTripsValuesKeysAndHash()
    {
        using var dir = new TempDir();
        var path = dir.File("lokr.safetensors");
        using var models = SdxlModels.Create(SdxlConfig.Tiny);
        using var network = LokrNetwork.Build(models, new LokrConfig { Factor = 2 });
        Randomise(network, 1);
        LokrFile.Save(path, network, SafeDType.F32, new Dictionary<string, string> { ["ss_output_name"] = "tiny" });

        using (var file = SafeTensorsFile.Open(path))
        {
            var entries = LokrFile.Entries(network, SafeDType.F32);
            Assert.Equal(entries.Select(e => e.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name));
            Assert.All(entries, e => Assert.Equal(e.Shape, file.Info(e.Name).Shape));
            Assert.Equal("lycoris.kohya", file.Metadata["ss_network_module"]);
            Assert.Equal("sdxl_base_v1-0", file.Metadata["ss_base_model_version"]);
            Assert.Equal("tiny", file.Metadata["ss_output_name"]);
            // "0x" + SHA-256 of the raw tensor bytes in state-dict order, recomputed from the file.
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var e in entries) sha.AppendData(file.Bytes(e.Name));
            Assert.Equal("0x" + Convert.ToHexStringLower(sha.GetHashAndReset()), file.Metadata["sshs_model_hash"]);
        }

        using var models2 = SdxlModels.Create(SdxlConfig.Tiny);
        using (no_grad())
            foreach (var ((_, a), (_, b)) in models.StateDict().Zip(models2.StateDict())) b.copy_(a);
        var normDeltas = network.Norms.Select(n => n.WeightDelta()).ToList();
        network.Detach();
        using var reloaded = LokrNetwork.Build(models2, new LokrConfig { Factor = 2 });
        LokrFile.Load(path, reloaded);
        foreach (var (a, b) in network.Modules.Zip(reloaded.Modules))
        {
            using var ka = a.Kron();
            using var kb = b.Kron();
            Assert.True(allclose(ka, kb, rtol: 0, atol: 0), a.GetName());
        }
        Assert.NotEmpty(reloaded.Norms);
        foreach (var (expected, norm) in normDeltas.Zip(reloaded.Norms))
        {
            using var delta = norm.WeightDelta();
            Assert.True(allclose(expected, delta, rtol: 0, atol: 1e-6), norm.Name);
        }
    }

    [Fact]
    public void Load_Fp16InfAlphaFullMatrix_Loads()
    {
        using var dir = new TempDir();
        var path = dir.File("inf.safetensors");
        using var models = SdxlModels.Create(SdxlConfig.Tiny);
        using var network = LokrNetwork.Build(models, new LokrConfig { Factor = 2, TrainNorm = false });
        Randomise(network, 2);
        // sd-scripts with dim = alpha = 100000 and --save_precision fp16 stores alpha as +inf.
        var entries = LokrFile.Entries(network, SafeDType.F16)
            .Select(e => e.Name.EndsWith(".alpha", StringComparison.Ordinal) ? e with { Produce = () => tensor(100000f) } : e);
        SafeTensorsWriter.Write(path, entries);
        using (var file = SafeTensorsFile.Open(path))
            Assert.Equal(double.PositiveInfinity, LokrFile.Alpha(file, network.Targets[0].Name));
        using var reloaded = LokrNetwork.Build(models, new LokrConfig { Factor = 2, TrainNorm = false });
        LokrFile.Load(path, reloaded);
        using var a = network.Modules[0].Kron();
        using var b = reloaded.Modules[0].Kron();
        Assert.True(allclose(a, b, rtol: 1e-2, atol: 1e-4));
    }

    [Fact]
    public void Summarize_SavedTiny_ListsEveryModuleWithItsParameters()
    {
        using var dir = new TempDir();
        var path = dir.File("s.safetensors");
        using var models = SdxlModels.Create(SdxlConfig.Tiny);
        using var network = LokrNetwork.Build(models, new LokrConfig { Factor = 2, TrainNorm = false });
        LokrFile.Save(path, network);
        var summary = LokrFile.Summarize(path);
        Assert.Equal(network.Modules.Count, summary.Count);
        Assert.Equal(network.ParameterCount, summary.Sum(s => s.Parameters));
        var first = summary.Single(s => s.Name == network.Targets[0].Name);
        Assert.StartsWith("lokr_w1[", first.Tensors);
    }

    [Fact]
    public void Load_OtherFactor_NamesModule()
    {
        using var dir = new TempDir();
        var path = dir.File("f2.safetensors");
        using var models = SdxlModels.Create(SdxlConfig.Tiny);
        using (var network = LokrNetwork.Build(models, new LokrConfig { Factor = 2, TrainNorm = false }))
            LokrFile.Save(path, network);
        using var other = LokrNetwork.Build(models, new LokrConfig { Factor = 4, TrainNorm = false });
        var e = Assert.Throws<InvalidDataException>(() => LokrFile.Load(path, other));
        Assert.Contains("lora_", e.Message);
        Assert.Contains(path, e.Message);
    }
}
