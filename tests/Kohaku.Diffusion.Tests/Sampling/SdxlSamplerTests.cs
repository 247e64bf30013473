using Kohaku.Diffusion.Sampling;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tests.Sdxl;
using SixLabors.ImageSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sampling;

public sealed class SdxlSamplerTests
{
    private static long[] Ids(long pad, params long[] tokens) =>
        new long[] { 49406 }.Concat(tokens).Append(49407).Concat(Enumerable.Repeat(pad, 75 - tokens.Length)).ToArray();

    private static readonly PromptIds Prompt = new(Ids(49407, 320, 1125, 539), Ids(0, 320, 1125, 539));

    [Fact]
    public void Generate_Tiny_ReturnsPngOfRequestedSize()
    {
        var png = SdxlSampler.Generate(TinyModels.Seed1234, Prompt, null, new SampleSettings(Width: 64, Height: 96, Steps: 3, Seed: 1));
        using var image = Image.Load(png);
        Assert.Equal(64, image.Width);
        Assert.Equal(96, image.Height);
    }

    [Fact]
    public void GenerateLatents_SameSeed_SameLatentsOtherSeedDiffers()
    {
        var models = TinyModels.Seed1234;
        var settings = new SampleSettings(Width: 64, Height: 64, Steps: 2, Seed: 7);
        using var a = SdxlSampler.GenerateLatents(models, Prompt, null, settings);
        using var b = SdxlSampler.GenerateLatents(models, Prompt, null, settings);
        using var c = SdxlSampler.GenerateLatents(models, Prompt, null, settings with { Seed = 8 });
        Assert.Equal(new long[] { 1, 4, 8, 8 }, a.shape);
        Assert.True(a.Equals(b));
        Assert.False(allclose(a, c));
    }

    [Fact]
    public void GenerateLatents_NegativePromptAndDdim_RunAndDifferFromZeroUncond()
    {
        var models = TinyModels.Seed1234;
        var settings = new SampleSettings(Width: 64, Height: 64, Steps: 2, Seed: 7, Sampler: SamplerKind.Ddim);
        var negative = new PromptIds(Ids(49407, 2871), Ids(0, 2871));
        using var zeroUncond = SdxlSampler.GenerateLatents(models, Prompt, null, settings);
        using var withNegative = SdxlSampler.GenerateLatents(models, Prompt, negative, settings);
        Assert.False(allclose(zeroUncond, withNegative));
    }

    // v-prediction and the zero-terminal ladder (σ_0 ≈ 4096) reach finite latents with both samplers.
    [Theory]
    [InlineData(SamplerKind.Euler)]
    [InlineData(SamplerKind.Ddim)]
    public void GenerateLatents_VPredictionZeroTerminalSnr_FiniteAndDiffersFromEpsilon(SamplerKind sampler)
    {
        var models = TinyModels.Seed1234;
        var settings = new SampleSettings(Width: 64, Height: 64, Steps: 2, Seed: 7, Sampler: sampler);
        using var eps = SdxlSampler.GenerateLatents(models, Prompt, null, settings);
        using var v = SdxlSampler.GenerateLatents(models, Prompt, null, settings with { Prediction = Prediction.V, ZeroTerminalSnr = true });
        Assert.True(v.isfinite().all().item<bool>());
        Assert.False(allclose(eps, v));
    }

    [Fact]
    public void Generate_BadSize_ThrowsNamingField()
    {
        var error = Assert.Throws<ArgumentException>(() => SdxlSampler.Generate(TinyModels.Seed1234, Prompt, null, new SampleSettings(Width: 60)));
        Assert.Contains("Width 60 must be a positive multiple of 32", error.Message);
    }
}
