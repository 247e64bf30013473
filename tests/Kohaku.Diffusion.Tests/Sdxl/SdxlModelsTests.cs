using Kohaku.Diffusion.Sdxl;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

// Acceptance numbers of the real sd_xl_base_1.0.safetensors (sdxl-arch.md §1, §2), from the meta-device build.
[Collection(MetaDeviceCollection.Name)]
public sealed class SdxlModelsTests
{
    private static readonly Lazy<SdxlModels> Full = new(() => SdxlModels.CreateOnMeta(SdxlConfig.Sdxl));

    [Fact]
    public void StateDict_SdxlOnMeta_Has2515KeysSplit1680_587_248()
    {
        var keys = Full.Value.StateDict().Select(k => k.Key).ToList();
        Assert.Equal(2515, keys.Count);
        Assert.Equal(2515, keys.Distinct().Count());
        Assert.Equal(1680, keys.Count(k => k.StartsWith("model.", StringComparison.Ordinal)));
        Assert.Equal(587, keys.Count(k => k.StartsWith("conditioner.", StringComparison.Ordinal)));
        Assert.Equal(248, keys.Count(k => k.StartsWith("first_stage_model.", StringComparison.Ordinal)));
    }

    [Fact]
    public void StateDict_SdxlOnMeta_RankHistogramAndElementsMatchFile()
    {
        var shapes = Full.Value.StateDict().Select(k => k.Tensor.shape).ToList();
        var ranks = shapes.GroupBy(s => s.Length).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 1442, [2] = 949, [4] = 123 }, ranks);
        Assert.Equal(3_468_837_945L, shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void StateDict_SdxlOnMeta_AllTensorsOnMeta()
    {
        Assert.All(Full.Value.StateDict(), k => Assert.Equal(DeviceType.META, k.Tensor.device_type));
    }

    [Fact]
    public void Validate_MismatchedContext_NamesBothFields()
    {
        var bad = SdxlConfig.Tiny with { Unet = SdxlConfig.Tiny.Unet with { ContextDim = 65 } };
        var error = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("Unet.ContextDim 65", error.Message);
        Assert.Contains("Te1.Hidden 32", error.Message);
    }

    [Theory]
    [InlineData("sdxl")]
    [InlineData("tiny")]
    public void Validate_Presets_Pass(string name) => SdxlConfig.ByName(name).Validate();
}
