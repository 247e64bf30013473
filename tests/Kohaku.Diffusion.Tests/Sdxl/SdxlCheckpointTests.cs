using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class SdxlCheckpointTests
{
    private static string WriteTiny(int seed, Func<IEnumerable<(string Key, Tensor Tensor)>, IEnumerable<(string Key, Tensor Tensor)>> edit, out SdxlModels models)
    {
        var path = TinyModels.TempFile("edited.safetensors");
        models = TinyModels.Create(seed);
        SafeTensorsWriter.Write(path, edit(models.StateDict()).Select(k => SafeTensorEntry.Of(k.Key, k.Tensor)));
        return path;
    }

    private static void AssertSameWeights(SdxlModels expected, SdxlModels actual)
    {
        var want = expected.StateDict().ToDictionary(k => k.Key, k => k.Tensor);
        foreach (var (key, tensor) in actual.StateDict())
            Assert.True(want[key].Equals(tensor), key);
    }

    // Loaded parameters must stay usable by the modules' own fields, not only through state_dict().
    private static void AssertSameForward(SdxlModels expected, SdxlModels actual)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var ids = randint(0, 49408, [1, 77]);
        var (x, t, ctx, y) = (randn(1, 4, 8, 8), tensor(new long[] { 10 }), randn(1, 77, 64), randn(1, 224));
        Assert.True(allclose(expected.Unet.call(x, t, ctx, y), actual.Unet.call(x, t, ctx, y)));
        Assert.True(allclose(expected.Te1.call(ids), actual.Te1.call(ids)));
        Assert.True(allclose(new SdxlConditioner(expected).Encode(ids, ids).Pooled, new SdxlConditioner(actual).Encode(ids, ids).Pooled));
        Assert.True(allclose(expected.Vae.Decode(x), actual.Vae.Decode(x)));
    }

    [Fact]
    public void Load_TinyCheckpoint_DetectsTinyAndRoundTripsEveryTensor()
    {
        var path = TinyModels.TempFile("tiny.safetensors");
        try
        {
            TinyCheckpoint.Create(path, 42);
            using var expected = TinyModels.Create(42);
            var (models, reports) = SdxlCheckpoint.LoadWithReports(path, null, CPU, ScalarType.Float32);
            using (models)
            {
                Assert.Equal("tiny", models.Config.Name);
                Assert.All(reports.Values, r => Assert.Empty(r.Unexpected));
                AssertSameWeights(expected, models);
                AssertSameForward(expected, models);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_WithoutPositionIdsAndLogitScale_Loads()
    {
        var path = WriteTiny(3, keys => keys.Where(k => !k.Key.EndsWith("position_ids", StringComparison.Ordinal) && !k.Key.EndsWith("logit_scale", StringComparison.Ordinal)), out var expected);
        try
        {
            using (expected)
            using (var models = SdxlCheckpoint.Load(path, SdxlConfig.Tiny, CPU, ScalarType.Float32))
                AssertSameForward(expected, models);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_HfTextProjectionWeight_LoadsTransposed()
    {
        const string bare = SdxlModels.Te2Prefix + "text_projection";
        var path = WriteTiny(4, keys => keys.Select(k => k.Key == bare ? (bare + ".weight", k.Tensor.t().contiguous()) : k), out var expected);
        try
        {
            using (expected)
            using (var models = SdxlCheckpoint.Load(path, SdxlConfig.Tiny, CPU, ScalarType.Float32))
                AssertSameForward(expected, models);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MisShapedKey_ThrowsNamingFileAndKey()
    {
        const string key = SdxlModels.UnetPrefix + "out.2.bias";
        var path = WriteTiny(5, keys => keys.Select(k => k.Key == key ? (key, zeros(5)) : k), out var expected);
        try
        {
            expected.Dispose();
            var error = Assert.Throws<InvalidDataException>(() => SdxlCheckpoint.Load(path, SdxlConfig.Tiny, CPU, ScalarType.Float32));
            Assert.Contains(path, error.Message);
            Assert.Contains(key, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_Bf16_CastsUnetAndKeepsVaeBf16()
    {
        var path = TinyModels.TempFile("tiny.safetensors");
        try
        {
            TinyCheckpoint.Create(path, 8);
            using var models = SdxlCheckpoint.Load(path, null, CPU, ScalarType.BFloat16);
            Assert.All(models.Unet.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            Assert.All(models.Vae.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            Assert.Equal(ScalarType.Float32, get_default_dtype());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_Fp16_KeepsVaeFp32()
    {
        var path = TinyModels.TempFile("tiny.safetensors");
        try
        {
            TinyCheckpoint.Create(path, 8);
            using var models = SdxlCheckpoint.Load(path, null, CPU, ScalarType.Float16);
            Assert.All(models.Te1.parameters(), p => Assert.Equal(ScalarType.Float16, p.dtype));
            Assert.All(models.Vae.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
