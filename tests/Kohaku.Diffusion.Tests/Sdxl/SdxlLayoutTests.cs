using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Diffusion.Tests.Sdxl;

[Collection(MetaDeviceCollection.Name)]
public sealed class SdxlLayoutTests
{
    private const string OutConv = SdxlModels.UnetPrefix + "out.2.weight";
    private const string Te1Tokens = SdxlModels.Te1Prefix + "text_model.embeddings.token_embedding.weight";

    // Header entries with an architecture's keys and shapes, one shape replaced when given.
    private static List<SafeTensorInfo> Infos(SdxlConfig config, string? key = null, long[]? shape = null) =>
        SdxlLayout.Table(config).Select(kv => new SafeTensorInfo(kv.Key, SafeDType.F32, kv.Key == key ? shape! : kv.Value, 0, 0)).ToList();

    [Fact]
    public void Table_Tiny_IsWhatInspectListsForTheArchitecture()
    {
        var listed = SdxlInspector.ArchitectureKeys(SdxlConfig.Tiny);
        Assert.Equal(listed.Count, SdxlLayout.Table(SdxlConfig.Tiny).Count);
        Assert.Equal([4L, 32, 3, 3], SdxlLayout.Table(SdxlConfig.Tiny)[OutConv]);
        Assert.Equal([4L, 320, 3, 3], SdxlLayout.Table(SdxlConfig.Sdxl)[OutConv]);
    }

    [Fact]
    public void Check_TinyLayout_Passes()
    {
        var infos = Infos(SdxlConfig.Tiny);
        Assert.Equal("tiny", SdxlLayout.Architecture(infos)!.Name);
        SdxlLayout.Check("tiny.safetensors", infos);
    }

    [Fact]
    public void Check_KnownKeyMisShaped_NamesFileKeyShapeAndExpected()
    {
        var e = Assert.Throws<InvalidDataException>(() => SdxlLayout.Check("x.safetensors", Infos(SdxlConfig.Tiny, OutConv, [4, 32, 1, 1])));
        Assert.Equal($"x.safetensors: '{OutConv}' has shape [4, 32, 1, 1], the tiny layout expects [4, 32, 3, 3]", e.Message);
    }

    // A mis-shaped probe key defeats detection; the layout most keys fit still names it.
    [Fact]
    public void Check_ProbeKeyMisShaped_ComparedWithTheLayoutMostKeysFit()
    {
        var infos = Infos(SdxlConfig.Tiny, Te1Tokens, [49407, 32]);
        Assert.Null(SdxlCheckpoint.Detect(infos));
        Assert.Equal("tiny", SdxlLayout.Architecture(infos)!.Name);
        var e = Assert.Throws<InvalidDataException>(() => SdxlLayout.Check("x.safetensors", infos));
        Assert.Contains($"'{Te1Tokens}' has shape [49407, 32], the tiny layout expects [49408, 32]", e.Message);
    }

    [Fact]
    public void Check_NoKeyUnderAnSdxlPrefix_Passes()
    {
        List<SafeTensorInfo> infos = [new("w", SafeDType.F32, [3, 2], 0, 24), new("model.w", SafeDType.F32, [1], 24, 28)];
        Assert.Null(SdxlLayout.Architecture(infos));
        SdxlLayout.Check("x.safetensors", infos);
    }

    // A partial file whose only known key fits no architecture is held to SDXL's.
    [Fact]
    public void Check_LoneKnownKeyFittingNoLayout_ComparedWithSdxl()
    {
        List<SafeTensorInfo> infos = [new(OutConv, SafeDType.F32, [4, 4, 3, 3], 0, 576)];
        var e = Assert.Throws<InvalidDataException>(() => SdxlLayout.Check("x.safetensors", infos));
        Assert.Contains("the sdxl layout expects [4, 320, 3, 3]", e.Message);
    }
}
