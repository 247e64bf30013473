using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Merge;
using Kohaku.Diffusion.Tests.SafeTensors;
using Kohaku.Diffusion.Tests.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Lokr;

// A DoKr network on the tiny SDXL: dora_scale in LyCORIS's shape and orientation, saved, loaded and baked.
[Collection(MetaDeviceCollection.Name)]
public sealed class DokrFileTests
{
    private static LokrConfig Dokr(bool onOutput) => new() { Factor = 2, TrainNorm = false, WeightDecompose = true, WdOnOutput = onOutput };

    // The base weight each module changes, read back from the checkpoint (a row third for TE2 q/k/v).
    private static Tensor BaseWeight(Dictionary<string, Tensor> checkpoint, IReadOnlyDictionary<string, LokrNames.CheckpointSlot> slots, string name)
    {
        var slot = slots[name];
        var w = checkpoint[slot.Key];
        return slot.Third is { } i ? w.narrow(0, i * w.shape[0] / 3, w.shape[0] / 3) : w.alias();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_Dokr_DoraScaleIsTheBaseWeightNormInLycorisShape(bool onOutput)
    {
        using var dir = new TempDir();
        using var models = TestCheckpoints.TinyModels(21);
        TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        var checkpoint = TestCheckpoints.ReadAll(dir.File("base.safetensors"));
        var slots = LokrNames.Targets(checkpoint.Keys);
        using var network = LokrNetwork.Build(models, Dokr(onOutput));
        Assert.Contains(network.Targets, t => t.Shape.Weight.Length == 4);
        Assert.Contains(network.Targets, t => slots[t.Name].Third is not null);
        foreach (var (module, target) in network.Modules.Zip(network.Targets))
        {
            var w = BaseWeight(checkpoint, slots, target.Name);
            // m = sqrt(Σ w²) over every dimension but the magnitude's: dim 0 (output) or dim 1 (input).
            long[] over = onOutput ? [.. Enumerable.Range(1, (int)w.dim() - 1).Select(d => (long)d)] : [0, .. Enumerable.Range(2, (int)w.dim() - 2).Select(d => (long)d)];
            using var expected = (w * w).sum(over, keepdim: true).sqrt();
            var (suffix, scale) = module.Factors.First();
            Assert.Equal("dora_scale", suffix);
            Assert.Equal(expected.shape, scale.shape);
            Assert.Equal(onOutput ? w.shape[0] : 1, scale.shape[0]);
            Assert.True(allclose(scale, expected, rtol: 1e-5, atol: 1e-7), target.Name);
            // Fresh: w2 = 0 and m = ‖W0‖, so the network starts at the base model.
            using var delta = module.DeltaFor(w);
            Assert.True(delta.abs().max().item<float>() < 1e-5f, target.Name);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveLoadBake_DokrFile_RoundTrips(bool onOutput)
    {
        using var dir = new TempDir();
        using var models = TestCheckpoints.TinyModels(22);
        TestCheckpoints.WriteTiny(dir.File("base.safetensors"), models);
        using var network = LokrNetwork.Build(models, Dokr(onOutput));
        LokrFileTests.Randomise(network, 23);
        LokrFile.Save(dir.File("dokr.safetensors"), network, SafeDType.F32);

        using (var file = SafeTensorsFile.Open(dir.File("dokr.safetensors")))
        {
            foreach (var target in network.Targets) Assert.Equal(target.Shape.DoraScale, file.Info(target.Name + ".dora_scale").Shape);
            Assert.Contains($"\"dora_wd\": \"True\", \"wd_on_output\": \"{(onOutput ? "True" : "False")}\"", file.Metadata["ss_network_args"]);
            var preset = LokrFile.ReadPreset(file.Metadata);
            Assert.True(preset.Default.WeightDecompose);
            Assert.Equal(onOutput, preset.Default.WdOnOutput);
        }

        // Loaded into a network built on the same base: every tensor, dora_scale included, and ΔW.
        var checkpoint = TestCheckpoints.ReadAll(dir.File("base.safetensors"));
        var slots = LokrNames.Targets(checkpoint.Keys);
        using var models2 = TestCheckpoints.TinyModels(22);
        using var reloaded = LokrNetwork.Build(models2, Dokr(onOutput));
        LokrFile.Load(dir.File("dokr.safetensors"), reloaded);
        foreach (var (a, b) in network.Modules.Zip(reloaded.Modules))
        {
            foreach (var ((suffix, pa), (_, pb)) in a.Factors.Zip(b.Factors)) Assert.True(pa.data<float>().SequenceEqual(pb.data<float>()), $"{a.GetName()}.{suffix}");
            using var w = BaseWeight(checkpoint, slots, a.GetName());
            using var da = a.DeltaFor(w);
            using var db = b.DeltaFor(w);
            Assert.True(da.data<float>().SequenceEqual(db.data<float>()), a.GetName());
        }

        // Baked at strength 0.7: W0 + 0.7·(W' - W0), W' from each module at multiplier 1.
        LokrBake.Run(dir.File("base.safetensors"), dir.File("dokr.safetensors"), 0.7, dir.File("baked.safetensors"));
        var baked = TestCheckpoints.ReadAll(dir.File("baked.safetensors"));
        var expected = checkpoint.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        foreach (var (module, target) in network.Modules.Zip(network.Targets))
        {
            using var w0 = BaseWeight(checkpoint, slots, target.Name);
            using (no_grad()) BaseWeight(expected, slots, target.Name).add_(module.DeltaFor(w0) * 0.7);
        }
        foreach (var (key, t) in baked) Assert.True(allclose(t, expected[key], rtol: 1e-5, atol: 1e-6), key);
    }

    [Fact]
    public void Load_PlainFileIntoDokrNetwork_NamesModuleAndDoraScale()
    {
        using var dir = new TempDir();
        using var models = TestCheckpoints.TinyModels(24);
        using (var plain = LokrNetwork.Build(models, new LokrConfig { Factor = 2, TrainNorm = false }))
        {
            LokrFile.Save(dir.File("plain.safetensors"), plain, SafeDType.F32);
            plain.Detach();
        }
        using var dokr = LokrNetwork.Build(models, Dokr(true));
        var e = Assert.Throws<InvalidDataException>(() => LokrFile.Load(dir.File("plain.safetensors"), dokr));
        Assert.Contains(", this network expects dora_scale[", e.Message);
    }

    // Network-wide weightDecompose/wdOnOutput reach every module, except a map entry that says otherwise.
    [Fact]
    public void ResolvePreset_WeightDecompose_AppliesToDefaultAndMapEntries()
    {
        var preset = new LokrConfig { WeightDecompose = true, WdOnOutput = false }.ResolvePreset();
        Assert.True(preset.Default.WeightDecompose);
        Assert.False(preset.Default.WdOnOutput);
        Assert.All(preset.ModuleAlgoMap.Values, c => Assert.Equal((true, false), (c.WeightDecompose, c.WdOnOutput)));
        Assert.All(new LokrConfig().ResolvePreset().ModuleAlgoMap.Values, c => Assert.False(c.WeightDecompose));
    }
}
