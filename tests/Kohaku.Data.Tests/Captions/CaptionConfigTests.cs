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
        Assert.Equal(0.1, c.TagDropout);
        Assert.True(c.Shuffle);
        Assert.Equal("|||", c.KeepSeparator);
        Assert.Empty(c.Problems());
    }

    [Fact]
    public void Validate_BadFields_NamesEach()
    {
        var e = Assert.Throws<ArgumentException>(() => new CaptionConfig { TagDropout = 1.5, KeepSeparator = ",|" }.Validate());
        Assert.Contains("tagDropout", e.Message);
        Assert.Contains("keepSeparator", e.Message);
    }

    [Fact]
    public void Load_RunFileSection_ReadsCamelCaseEnums()
    {
        var path = Path.Combine(Path.GetTempPath(), $"caption-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"caption": {"style": "current", "quality": "computed", "tagDropout": 0.15}}""");
        try
        {
            var c = CaptionConfig.Load(path);
            Assert.Equal(CaptionStyle.Current, c.Style);
            Assert.Equal(QualityMode.Computed, c.Quality);
            Assert.Equal(0.15, c.TagDropout);
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
