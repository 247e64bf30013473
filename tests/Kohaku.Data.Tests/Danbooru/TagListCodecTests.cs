using Kohaku.Data.Danbooru;
using Kohaku.Samples;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Danbooru;

public class TagListCodecTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Theory]
    [InlineData(306675L, "6KMR")]
    [InlineData(0L, "0")]
    [InlineData(35L, "Z")]
    [InlineData(36L, "10")]
    public void ToBase36_SheetExampleAndEdges(long value, string expected) => Assert.Equal(expected, TagListCodec.ToBase36(value));

    [Fact]
    public void Encode_Ids_BackToBackTokens() => Assert.Equal("$6KMR#$1#$10#", TagListCodec.Encode([306675, 1, 36]));

    [Fact]
    public void Decode_V1File_ResolvesTagsInOrder()
    {
        using var db = DanbooruDb.Open(fixture.Make("v1-codec.db", new SampleDbOptions(5, Schema: SchemaVersion.V1TagList)));
        var solo = db.Tags.Find("solo")!;
        var highres = db.Tags.Find("highres")!;
        var list = TagListCodec.Encode([highres.Id, solo.Id]);
        Assert.Equal([highres, solo], TagListCodec.Decode(list, db.Tags, db.Path, 1));
        Assert.Empty(TagListCodec.Decode("", db.Tags, db.Path, 1));
    }

    [Theory]
    [InlineData("6KMR#")]
    [InlineData("$6KMR")]
    [InlineData("$#")]
    [InlineData("$6K-R#")]
    public void Decode_Malformed_ThrowsNamingPost(string list)
    {
        using var db = DanbooruDb.Open(fixture.Make("v1-codec.db", new SampleDbOptions(5, Schema: SchemaVersion.V1TagList)));
        var e = Assert.Throws<InvalidDataException>(() => TagListCodec.Decode(list, db.Tags, db.Path, 77));
        Assert.Contains("post 77", e.Message);
    }
}
