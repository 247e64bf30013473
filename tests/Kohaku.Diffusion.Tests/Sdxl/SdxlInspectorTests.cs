using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class SdxlInspectorTests
{
    [Fact]
    public void Inspect_TinyCheckpoint_CountsPerComponentAndNothingUnknown()
    {
        var path = TinyModels.TempFile("tiny.safetensors");
        try
        {
            TinyCheckpoint.Create(path, 1);
            var summary = SdxlInspector.Inspect(path);
            using var meta = SdxlModels.CreateOnMeta(SdxlConfig.Tiny);
            Assert.Equal("tiny", summary.Architecture);
            Assert.Empty(summary.UnknownKeys);
            Assert.Empty(summary.MissingKeys);
            Assert.Empty(summary.Mismatched);
            var byName = summary.Components.ToDictionary(c => c.Name);
            Assert.Equal(meta.Unet.state_dict().Count, byName["unet"].Keys);
            Assert.Equal(meta.Vae.parameters().Sum(p => p.numel()), byName["vae"].Parameters);
            Assert.Equal(new Dictionary<string, int> { ["F32"] = byName["te2"].Keys }, byName["te2"].DTypes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Inspect_ExtraAndMissingKeys_Reported()
    {
        var path = TinyModels.TempFile("edited.safetensors");
        const string dropped = SdxlModels.UnetPrefix + "out.2.bias";
        try
        {
            using var models = TinyModels.Create(2);
            var entries = models.StateDict().Where(k => k.Key != dropped).Select(k => SafeTensorEntry.Of(k.Key, k.Tensor))
                .Append(new SafeTensorEntry("v_pred", SafeDType.F32, [], () => zeros(Array.Empty<long>())));
            SafeTensorsWriter.Write(path, entries);
            var summary = SdxlInspector.Inspect(path);
            Assert.Equal(["v_pred"], summary.UnknownKeys);
            Assert.Equal([dropped], summary.MissingKeys);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Summarize_Sdxl_ParameterCountsOfTheSheet()
    {
        var byName = SdxlInspector.Summarize(SdxlConfig.Sdxl).ToDictionary(c => c.Name);
        Assert.Equal(2_567_463_684L, byName["unet"].Parameters);
        Assert.Equal(123_060_480L, byName["te1"].Parameters);
        Assert.Equal(694_659_841L, byName["te2"].Parameters);
        Assert.Equal(83_653_863L, byName["vae"].Parameters);
        Assert.Equal(197, byName["te1"].Keys);
    }

    [Fact]
    public void ArchitectureKeys_Sdxl_2515KeysWithShapes()
    {
        var keys = SdxlInspector.ArchitectureKeys(SdxlConfig.Sdxl);
        Assert.Equal(2515, keys.Count);
        Assert.Contains(keys, k => k.Key == "conditioner.embedders.1.model.text_projection" && k.Shape.SequenceEqual(new long[] { 1280, 1280 }));
    }
}
