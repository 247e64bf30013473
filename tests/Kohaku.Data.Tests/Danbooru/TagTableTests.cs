using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Danbooru;

public class TagTableTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Find_ByExactUnderscoreName_ReturnsSharedInstanceWithType()
    {
        using var db = fixture.Open();
        var miku = db.Tags.Find("hatsune_miku_(vocaloid)")!;
        Assert.Equal(TagType.Character, miku.Type);
        Assert.Same(miku, db.Tags[miku.Id]);
        Assert.Null(db.Tags.Find("hatsune miku (vocaloid)"));
        Assert.Equal(TagType.Copyright, db.Tags.Find("vocaloid")!.Type);
        Assert.Equal(TagType.Artist, db.Tags.Find("banned_artist")!.Type);
    }

    [Fact]
    public void Indexer_UnknownId_ThrowsNamingId()
    {
        using var db = fixture.Open();
        var e = Assert.Throws<InvalidDataException>(() => db.Tags[987_654]);
        Assert.Contains("987654", e.Message);
        Assert.False(db.Tags.TryGet(987_654, out _));
    }
}
