using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Tests.Captions;

// Golden captions from hakubooru.md §3.5 (HakuBooru HEAD run on a synthetic post).
public class CaptionBuilderTests
{
    private const string Keep = "1girl, hatsune miku, rice shower (umamusume), vocaloid, artist x, ";
    private const string General = "^_^, long hair, solo, o_o, ^ ^;, highres";

    internal static TaggedPost SheetPost(long id = 6_000_000, Rating rating = Rating.General, int fav = 20, string created = "2020-12-31T23:30:00.000-05:00")
    {
        long n = 0;
        Tag T(string name, TagType type) => new(++n, name, type);
        Tag[] tags =
        [
            T("1girl", TagType.General), T("^_^", TagType.General), T("long_hair", TagType.General), T("solo", TagType.General),
            T("o_o", TagType.General), T("^_^;", TagType.General),
            T("hatsune_miku", TagType.Character), T("rice_shower_(umamusume)", TagType.Character),
            T("artist_x", TagType.Artist), T("banned_artist", TagType.Artist),
            T("vocaloid", TagType.Copyright),
            T("bad_id", TagType.Meta), T("highres", TagType.Meta), T("commentary_request", TagType.Meta),
        ];
        return new TaggedPost(new Post(id, created, rating, 10, fav, false, false, "png", "md5", "url", 1000, 1500), tags);
    }

    private static CaptionBuilder Current => CaptionBuilder.Create(CaptionStyle.Current, FavPercentiles.HakuBooru);
    private static CaptionBuilder Delta => CaptionBuilder.Create(CaptionStyle.Delta, FavPercentiles.HakuBooru);

    [Fact]
    public void Build_CurrentSheetPost_MatchesGoldenCaption() =>
        Assert.Equal(Keep + "|||" + General + ", recent, safe, best quality", Current.Build(SheetPost()));

    [Fact]
    public void Build_DeltaSheetPost_KeepsBannedArtistAndUsesOldTable() =>
        Assert.Equal(Keep + "banned artist, |||" + General + ", recent, safe, great quality", Delta.Build(SheetPost()));

    [Fact]
    public void Build_ExplicitFav300_EndsNewestExplicitNsfwMasterpiece()
    {
        var post = SheetPost(rating: Rating.Explicit, fav: 300, created: "2021-01-01T00:00:00.000-05:00");
        Assert.EndsWith(", highres, newest, explicit, nsfw, masterpiece", Current.Build(post));
        Assert.EndsWith(", highres, newest, explicit, nsfw, masterpiece", Delta.Build(post));
    }

    [Fact]
    public void Build_SensitiveId7600000_HasNoQualityTag()
    {
        var post = SheetPost(id: 7_600_000, rating: Rating.Sensitive, created: "2024-06-01T10:00:00.000-04:00");
        Assert.EndsWith(", highres, newest, sensitive", Current.Build(post));
        Assert.EndsWith(", highres, newest, sensitive", Delta.Build(post));
    }

    [Theory]
    [InlineData(CaptionStyle.Delta, 7_000_000, true)]
    [InlineData(CaptionStyle.Delta, 7_000_001, false)]
    [InlineData(CaptionStyle.Current, 7_200_000, true)]
    [InlineData(CaptionStyle.Current, 7_500_000, true)]
    [InlineData(CaptionStyle.Current, 7_500_001, false)]
    public void Build_IdCutoff_TagsOnlyUpToStrictLimit(CaptionStyle style, long id, bool tagged)
    {
        var caption = CaptionBuilder.Create(style, FavPercentiles.HakuBooru).Build(SheetPost(id: id));
        Assert.Equal(tagged, caption.EndsWith(" quality", StringComparison.Ordinal));
        Assert.EndsWith(tagged ? ", recent, safe, " + (style == CaptionStyle.Delta ? "great quality" : "best quality") : ", recent, safe", caption);
    }

    [Fact]
    public void Build_GarbageDate_YearTagEarly() =>
        Assert.EndsWith(", highres, early, safe, best quality", Current.Build(SheetPost(created: "garbage")));

    [Fact]
    public void Build_Created2025_NoYearTag() =>
        Assert.EndsWith(", highres, safe, best quality", Current.Build(SheetPost(created: "2025-01-02T00:00:00.000-05:00")));

    [Fact]
    public void Build_NoKeepTags_StartsWithSeparator()
    {
        var post = new TaggedPost(new Post(5, "2008-05-05T00:00:00.000-04:00", Rating.Questionable, 0, 0, false, false, "jpg", "m", "u", 10, 10),
            [new Tag(1, "long_hair", TagType.General), new Tag(2, "translation_request", TagType.Meta), new Tag(3, "photoshop_(medium)", TagType.Meta)]);
        Assert.Equal(", |||long hair, old, nsfw, worst quality", Delta.Build(post));
    }

    [Fact]
    public void Build_SpecialTagsKeepRelationOrderBeforeCharacters()
    {
        var post = new TaggedPost(new Post(5, "2016-05-05T00:00:00.000-04:00", Rating.General, 0, 40, false, false, "jpg", "m", "u", 10, 10),
            [new Tag(1, "smile", TagType.General), new Tag(2, "2girls", TagType.General), new Tag(3, "hakurei_reimu", TagType.Character),
             new Tag(4, "multiple_girls", TagType.General), new Tag(5, "touhou", TagType.Copyright), new Tag(6, "absurdres", TagType.Meta)]);
        Assert.Equal("2girls, multiple girls, hakurei reimu, touhou, |||smile, absurdres, mid, safe, masterpiece", Delta.Build(post));
    }

    [Theory]
    [InlineData("^_^", "^_^")]
    [InlineData("o_o", "o_o")]
    [InlineData("^_^;", "^ ^;")]
    [InlineData("rice_shower_(umamusume)", "rice shower (umamusume)")]
    [InlineData("a_\U0001F600", "a_\U0001F600")]
    [InlineData("a_\U0001F600_", "a \U0001F600 ")]
    [InlineData("   ", null)]
    [InlineData("", null)]
    public void FormatName_UnderscoreRuleByCodePoints(string name, string? expected) => Assert.Equal(expected, CaptionBuilder.FormatName(name));
}
