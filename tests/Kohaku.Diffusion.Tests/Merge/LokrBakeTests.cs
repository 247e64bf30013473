using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Tests.Lokr;
using Kohaku.Diffusion.Tests.SafeTensors;
using Kohaku.Diffusion.Tests.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

[Collection(MetaDeviceCollection.Name)]
public sealed class LokrBakeTests
{
    [Fact]
    public void Run_TinyDeltaPreset_EqualsWPlusStrengthKronEverywhere()
    {
        using var dir = new TempDir();
        using var models = TestCheckpoints.TinyModels(3);
        TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        using var network = LokrNetwork.Build(models, new LokrConfig { Factor = 2 });
        LokrFileTests.Randomise(network, 7);
        LokrFile.Save(dir.File("lokr.safetensors"), network, SafeDType.F32);

        var baked = LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 0.7, dir.File("baked.safetensors"));

        var before = TestCheckpoints.ReadAll(dir.File("base.safetensors"));
        var after = TestCheckpoints.ReadAll(dir.File("baked.safetensors"));
        var slots = LokrNames.Targets(before.Keys);
        var expected = before.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        foreach (var (module, target) in network.Modules.Zip(network.Targets))
        {
            var slot = slots[target.Name];
            var w = expected[slot.Key];
            var rows = slot.Third is { } i ? w.narrow(0, i * w.shape[0] / 3, w.shape[0] / 3) : w;
            using (no_grad()) rows.add_(module.Kron() * 0.7);
        }
        foreach (var norm in network.Norms)
        {
            var key = slots[norm.Name].Key;
            expected[key].add_(norm.WeightDelta() * 0.7);
            expected[key[..^".weight".Length] + ".bias"].add_(norm.BiasDelta()! * 0.7);
        }
        Assert.Equal(network.Modules.Count + 2 * network.Norms.Count, baked.Count);
        Assert.Contains(baked, b => b.Key.EndsWith("attn.in_proj_weight", StringComparison.Ordinal));
        foreach (var (key, t) in after)
            Assert.True(allclose(t, expected[key], rtol: 1e-5, atol: 1e-6), key);
    }

    [Fact]
    public void Run_LowRankScale_AppliesScaleOnce()
    {
        using var dir = new TempDir();
        using var models = TestCheckpoints.TinyModels(4);
        TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        // dim 2, alpha 1 → w2 low-rank, scale 0.5.
        var preset = LokrPreset.Full with { Default = new LokrModuleConfig(Factor: 2, Dim: 2, Alpha: 1) };
        using var network = LokrNetwork.Build(models.Unet, null, null, preset);
        LokrFileTests.Randomise(network, 8);
        LokrFile.Save(dir.File("lokr.safetensors"), network, SafeDType.F32);
        LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 1.0, dir.File("baked.safetensors"));

        const string name = "lora_unet_output_blocks_0_0_in_layers_2";
        const string key = "model.diffusion_model.output_blocks.0.0.in_layers.2.weight";
        using var lokr = SafeTensorsFile.Open(dir.File("lokr.safetensors"));
        using var w1 = lokr.Load(name + ".lokr_w1");
        using var w2a = lokr.Load(name + ".lokr_w2_a");
        using var w2b = lokr.Load(name + ".lokr_w2_b");
        Assert.Equal(0.5, lokr.Load(name + ".alpha").item<float>() / w2b.shape[0]);
        var before = TestCheckpoints.ReadAll(dir.File("base.safetensors"))[key];
        var after = TestCheckpoints.ReadAll(dir.File("baked.safetensors"))[key];
        // Flat conv w2: (out_k, in_n·k·k) = w2_a @ w2_b, kron as 2-D, viewed as the weight (lycoris-lokr.md §3).
        using var expected = before + 0.5 * kron(w1, w2a.mm(w2b)).view(before.shape);
        Assert.True(allclose(after, expected, rtol: 1e-5, atol: 1e-6));
    }

    // A file in the form LyCORIS saves a use_tucker conv module (fp16; alpha, lokr_w1, rank-first
    // lokr_w2_a, lokr_w2_b, lokr_t2): W' = W + strength·(alpha/r)·kron(w1, rebuild_tucker(t2, w2_a, w2_b)).
    [Fact]
    public void Run_LycorisTuckerConvFile_EqualsLycorisFormula()
    {
        using var dir = new TempDir();
        using (var models = TestCheckpoints.TinyModels(5)) TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        const string name = "lora_unet_output_blocks_0_0_in_layers_2";
        const string key = "model.diffusion_model.output_blocks.0.0.in_layers.2.weight";
        var before = TestCheckpoints.ReadAll(dir.File("base.safetensors"))[key];
        var (outK, inN, rank) = (before.shape[0] / 2, before.shape[1] / 2, 3L);
        var gen = new Generator(13);
        Tensor Half(params long[] shape) => randn(shape, generator: gen).to(ScalarType.Float16);
        var factors = new Dictionary<string, Tensor>
        {
            [name + ".alpha"] = tensor(1.5f).to(ScalarType.Float16),
            [name + ".lokr_w1"] = Half(2, 2),
            [name + ".lokr_w2_a"] = Half(rank, outK),
            [name + ".lokr_w2_b"] = Half(rank, inN),
            [name + ".lokr_t2"] = Half(rank, rank, 3, 3),
        };
        SafeTensorsWriter.Write(dir.File("lokr.safetensors"), factors);

        var baked = LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 0.8, dir.File("baked.safetensors"));

        Assert.Equal(key, Assert.Single(baked).Key);
        var after = TestCheckpoints.ReadAll(dir.File("baked.safetensors"))[key];
        using var delta = LokrModuleTests.TuckerKron(factors[name + ".lokr_w1"], factors[name + ".lokr_w2_a"], factors[name + ".lokr_w2_b"],
            factors[name + ".lokr_t2"], 1.5 / rank);
        using var expected = before.to(ScalarType.Float64) + 0.8 * delta;
        Assert.True(allclose(after.to(ScalarType.Float64), expected, rtol: 1e-5, atol: 1e-5), $"max diff {(after.to(ScalarType.Float64) - expected).abs().max().item<double>()}");
    }

    [Fact]
    public void Run_ModuleWithoutTarget_NamesItAndWritesNothing()
    {
        using var dir = new TempDir();
        // The tiny layout's shape: another would stop the bake at the layout check first.
        SafeTensorsWriter.Write(dir.File("base.safetensors"), new Dictionary<string, Tensor> { ["model.diffusion_model.out.2.weight"] = ones(4, 32, 3, 3) });
        SafeTensorsWriter.Write(dir.File("lokr.safetensors"), new Dictionary<string, Tensor>
        {
            ["lora_unet_nowhere.lokr_w1"] = ones(2, 2), ["lora_unet_nowhere.lokr_w2"] = ones(2, 2), ["lora_unet_nowhere.alpha"] = tensor(1f),
        });
        var e = Assert.Throws<InvalidDataException>(() => LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 1, dir.File("out.safetensors")));
        Assert.Contains("lora_unet_nowhere", e.Message);
        Assert.False(File.Exists(dir.File("out.safetensors")));
    }

    [Fact]
    public void Run_BaseKnownKeyMisShaped_NamesItAndWritesNothing()
    {
        using var dir = new TempDir();
        const string key = "model.diffusion_model.label_emb.0.0.weight";
        using (var models = TestCheckpoints.TinyModels(6)) TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models, key, zeros(128, 225));
        SafeTensorsWriter.Write(dir.File("lokr.safetensors"), new Dictionary<string, Tensor>
        {
            ["lora_unet_out_2.lokr_w1"] = ones(2, 2), ["lora_unet_out_2.lokr_w2"] = ones(2, 16, 3, 3), ["lora_unet_out_2.alpha"] = tensor(1f),
        });
        var e = Assert.Throws<InvalidDataException>(() => LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 1, dir.File("out.safetensors")));
        Assert.Equal($"{dir.File("base.safetensors")}: '{key}' has shape [128, 225], the tiny layout expects [128, 224]", e.Message);
        Assert.False(File.Exists(dir.File("out.safetensors")));
    }

    // A factor saved as a 0-dim tensor: a clear error naming the LoKr file and the key, not an index fault.
    [Theory]
    [InlineData("lokr_w1")]
    [InlineData("lokr_w2")]
    public void Run_LokrFactorWithNoDimensions_NamesLokrFileAndKey(string suffix)
    {
        using var dir = new TempDir();
        using (var models = TestCheckpoints.TinyModels(6)) TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        const string name = "lora_unet_out_2";
        var factors = new Dictionary<string, Tensor>
        {
            [name + ".alpha"] = tensor(1f), [name + ".lokr_w1"] = ones(2, 2), [name + ".lokr_w2"] = ones(2, 16, 3, 3),
        };
        factors[$"{name}.{suffix}"] = tensor(1f);
        SafeTensorsWriter.Write(dir.File("lokr.safetensors"), factors);
        var e = Assert.Throws<InvalidDataException>(() => LokrBake.Run(dir.File("base.safetensors"), dir.File("lokr.safetensors"), 1, dir.File("out.safetensors")));
        Assert.StartsWith($"{dir.File("lokr.safetensors")}: {name}.{suffix}: shape [] has 0 dimensions", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.False(File.Exists(dir.File("out.safetensors")));
    }
}
