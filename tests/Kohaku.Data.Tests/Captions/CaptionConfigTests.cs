using Kohaku.Data.Captions;
using Kohaku.Data.Config;

namespace Kohaku.Data.Tests.Captions;

public class CaptionConfigTests
{
    [Fact]
    public void Defaults_AreDeltaValues()
    {
        var c = new CaptionConfig();
        Assert.Equal(CaptionStyle.Delta, c.Style);
        Assert.Equal(QualityMode.Table, c.Quality);
        Assert.Empty(c.Problems());
    }

    [Fact]
    public void Validate_BadFields_NamesEach()
    {
        var e = Assert.Throws<ArgumentException>(() => new CaptionConfig { Style = (CaptionStyle)7, Quality = (QualityMode)9 }.Validate());
        Assert.Contains("style: 7", e.Message);
        Assert.Contains("quality: 9", e.Message);
    }

    // Tag dropout is configured once, in "train" (the trainer applies it); here it is an unknown field.
    [Fact]
    public void Load_TagDropoutInCaptionSection_IsAnUnknownField()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caption-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"caption": {"tagDropout": 0.15}}""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CaptionConfig.Load(path));
            Assert.Contains("tagDropout", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Load_RunFileSection_ReadsCamelCaseEnums()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caption-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"caption": {"style": "current", "quality": "computed"}}""");
        try
        {
            var c = CaptionConfig.Load(path);
            Assert.Equal(CaptionStyle.Current, c.Style);
            Assert.Equal(QualityMode.Computed, c.Quality);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Load_UnknownField_ThrowsNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caption-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"caption": {"dropout": 0.15}}""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => RunFile.LoadSection<CaptionConfig>(path, "caption"));
            Assert.Contains("dropout", e.Message);
        }
        finally { File.Delete(path); }
    }
}
