using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Tests.SafeTensors;
using Kohaku.Diffusion.Tests.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

[Collection(MetaDeviceCollection.Name)]
public sealed class WeightedMergeTests
{
    [Fact]
    public void Run_TwoTinyCheckpoints_WritesWeightedSumPerTensor()
    {
        using var dir = new TempDir();
        using (var a = TestCheckpoints.TinyModels(1)) TestCheckpoints.WriteTiny(dir.File("a.safetensors"), a);
        using (var b = TestCheckpoints.TinyModels(2)) TestCheckpoints.WriteTiny(dir.File("b.safetensors"), b);
        WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.25, 0.75], dir.File("c.safetensors"));
        var ta = TestCheckpoints.ReadAll(dir.File("a.safetensors"));
        var tb = TestCheckpoints.ReadAll(dir.File("b.safetensors"));
        var tc = TestCheckpoints.ReadAll(dir.File("c.safetensors"));
        Assert.Equal(ta.Keys.Order(), tc.Keys.Order());
        foreach (var (key, c) in tc)
        {
            Assert.Equal(ta[key].dtype, c.dtype);
            if (c.is_floating_point()) Assert.True(allclose(c, ta[key] * 0.25 + tb[key] * 0.75, rtol: 1e-5, atol: 1e-6), key);
            else Assert.True(allclose(c, ta[key], 0, 0), key);
        }
        Assert.False(allclose(ta["model.diffusion_model.out.2.weight"], tb["model.diffusion_model.out.2.weight"]));
    }

    [Fact]
    public void Run_BaseConfigWithReference_EqualsRestoreThenMerge()
    {
        using var dir = new TempDir();
        foreach (var (name, seed) in new[] { ("orig", 0), ("gamma", 1), ("beta", 2) })
            using (var m = TestCheckpoints.TinyModels(seed)) TestCheckpoints.WriteTiny(dir.File(name + ".safetensors"), m);
        EmbeddingRestore.Run(dir.File("orig.safetensors"), dir.File("gamma.safetensors"), dir.File("gamma-r.safetensors"));
        EmbeddingRestore.Run(dir.File("orig.safetensors"), dir.File("beta.safetensors"), dir.File("beta-r.safetensors"));
        WeightedMerge.Run([dir.File("gamma-r.safetensors"), dir.File("beta-r.safetensors")], [0.5, 0.5], dir.File("two-step.safetensors"));
        var config = new BaseConfig
        {
            Checkpoints = [dir.File("gamma.safetensors"), dir.File("beta.safetensors")],
            RestoreEmbeddingsFrom = dir.File("orig.safetensors"),
            Dtype = null,
        };
        WeightedMerge.Run(config, dir.File("base.safetensors"));
        var twoStep = TestCheckpoints.ReadAll(dir.File("two-step.safetensors"));
        var onePass = TestCheckpoints.ReadAll(dir.File("base.safetensors"));
        foreach (var (key, t) in twoStep) Assert.True(allclose(t, onePass[key], 0, 0), key);
    }

    [Fact]
    public void Run_DtypeGiven_WritesFloatsInIt()
    {
        using var dir = new TempDir();
        SafeTensorsWriter.Write(dir.File("a.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(3, 2), ["ids"] = arange(3L) });
        SafeTensorsWriter.Write(dir.File("b.safetensors"), new Dictionary<string, Tensor> { ["w"] = full(3, 2, 3f), ["ids"] = arange(3L) });
        WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.5, 0.5], dir.File("c.safetensors"), SafeDType.BF16);
        using var c = SafeTensorsFile.Open(dir.File("c.safetensors"));
        Assert.Equal(SafeDType.BF16, c.Info("w").DType);
        Assert.Equal(SafeDType.I64, c.Info("ids").DType);
        using var w = c.Load("w", ScalarType.Float32);
        Assert.True(allclose(w, full(3, 2, 2f)));
    }

    [Fact]
    public void Run_ThreeInputsWeightsNotSummingToOne_AccumulatesInFp32()
    {
        using var dir = new TempDir();
        var names = new[] { "a", "b", "c" };
        for (var i = 0; i < 3; i++)
            SafeTensorsWriter.Write(dir.File(names[i] + ".safetensors"), new Dictionary<string, Tensor> { ["w"] = full(4, 3, i + 1f, ScalarType.Float16) });
        WeightedMerge.Run(names.Select(n => dir.File(n + ".safetensors")).ToList(), [0.5, 0.7, -0.1], dir.File("m.safetensors"));
        using var m = SafeTensorsFile.Open(dir.File("m.safetensors"));
        Assert.Equal(SafeDType.F16, m.Info("w").DType);
        using var w = m.Load("w", ScalarType.Float32);
        Assert.True(allclose(w, full(4, 3, 0.5f * 1 + 0.7f * 2 - 0.1f * 3), rtol: 1e-3));
    }

    // Two half-precision inputs at 0.3/0.7 (weights summing to 1): upcast, weighted sum in fp32, one
    // rounding to the stored dtype, element for element. lerp_ in the stored dtype rounded the weight
    // itself (0.7 → 0.69970703 in fp16) and missed on about half the elements.
    [Theory]
    [InlineData(SafeDType.F16)]
    [InlineData(SafeDType.BF16)]
    public void Run_TwoHalfInputsWeightsSummingToOne_RoundsTheFp32SumOnce(SafeDType dtype)
    {
        using var dir = new TempDir();
        var gen = new Generator(17);
        using var a = randn([64, 257], generator: gen).to(dtype.ToScalarType());
        using var b = randn([64, 257], generator: gen).to(dtype.ToScalarType());
        SafeTensorsWriter.Write(dir.File("a.safetensors"), new Dictionary<string, Tensor> { ["w"] = a });
        SafeTensorsWriter.Write(dir.File("b.safetensors"), new Dictionary<string, Tensor> { ["w"] = b });
        WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.3, 0.7], dir.File("c.safetensors"));
        using var c = SafeTensorsFile.Open(dir.File("c.safetensors"));
        using var merged = c.Load("w");
        using var expected = (0.3 * a.to(ScalarType.Float32) + 0.7 * b.to(ScalarType.Float32)).to(dtype.ToScalarType());
        Assert.Equal(dtype.ToScalarType(), merged.dtype);
        Assert.Equal(0L, merged.ne(expected).sum().item<long>());
    }

    [Fact]
    public void Run_ShapeMismatch_NamesKeyAndWritesNothing()
    {
        using var dir = new TempDir();
        SafeTensorsWriter.Write(dir.File("a.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(3, 2) });
        SafeTensorsWriter.Write(dir.File("b.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(2, 3) });
        var e = Assert.Throws<InvalidDataException>(() =>
            WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.5, 0.5], dir.File("c.safetensors")));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("b.safetensors", e.Message);
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
    }

    // Both inputs mis-shaped alike pass the same-layout check; the tiny layout does not. The second
    // key is a detection probe, which leaves the layout most keys fit.
    [Theory]
    [InlineData("model.diffusion_model.out.2.weight")]
    [InlineData("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight")]
    public void Run_KnownKeyMisShapedInBoth_NamesFileKeyAndShapesAndWritesNothing(string key)
    {
        using var dir = new TempDir();
        foreach (var (name, seed) in new[] { ("a", 1), ("b", 2) })
            using (var m = TestCheckpoints.TinyModels(seed))
            {
                var shape = m.StateDict().Single(kv => kv.Key == key).Tensor.shape;
                TestCheckpoints.WriteTiny(dir.File(name + ".safetensors"), m, key, zeros(shape.Select((d, i) => i == 0 ? d : 1L).ToArray()));
            }
        var e = Assert.Throws<InvalidDataException>(() =>
            WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.5, 0.5], dir.File("c.safetensors")));
        Assert.StartsWith(dir.File("a.safetensors") + ": '" + key + "' has shape [", e.Message);
        Assert.Contains("the tiny layout expects [", e.Message);
        Assert.False(File.Exists(dir.File("c.safetensors")));
    }

    [Fact]
    public void Run_MissingKey_NamesFile()
    {
        using var dir = new TempDir();
        SafeTensorsWriter.Write(dir.File("a.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(3), ["v"] = ones(1) });
        SafeTensorsWriter.Write(dir.File("b.safetensors"), new Dictionary<string, Tensor> { ["w"] = ones(3) });
        var e = Assert.Throws<InvalidDataException>(() =>
            WeightedMerge.Run([dir.File("a.safetensors"), dir.File("b.safetensors")], [0.5, 0.5], dir.File("c.safetensors")));
        Assert.Contains("b.safetensors", e.Message);
        Assert.Contains("'v'", e.Message);
    }

    [Fact]
    public void Run_OneInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => WeightedMerge.Run(["a"], [1.0], "c"));
    }
}
