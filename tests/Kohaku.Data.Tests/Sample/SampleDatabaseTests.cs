using Kohaku.Data.Danbooru;
using Kohaku.Samples;

namespace Kohaku.Data.Tests.Sample;

public class SampleDatabaseTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Generate_SameOptions_SameBytes()
    {
        var a = fixture.Make("det-a.db", new SampleDbOptions(100, Seed: 4));
        var b = fixture.Make("det-b.db", new SampleDbOptions(100, Seed: 4));
        var c = fixture.Make("det-c.db", new SampleDbOptions(100, Seed: 5));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void Generate_EveryPostHasTheImagesStageVisualTags()
    {
        using var db = fixture.Open();
        foreach (var post in db.TaggedPosts(db.PostIds().ToList()))
        {
            var names = post.Tags.Select(t => t.Name).ToHashSet();
            Assert.Single(names, SampleVocabulary.Backgrounds.Contains);
            Assert.InRange(names.Count(SampleVocabulary.Shapes.Contains), 1, 3);
            Assert.InRange(names.Count(SampleVocabulary.Themes.Contains), 1, 2);
            Assert.All(post.Tags.Where(t => SampleVocabulary.Shapes.Contains(t.Name)), t => Assert.Equal(TagType.General, t.Type));
        }
    }

    [Fact]
    public void Generate_RealisticMix_RatingsExtensionsFlagsAspects()
    {
        using var db = fixture.Open();
        var posts = db.Posts().ToList();
        Assert.All(Enum.GetValues<Rating>(), r => Assert.InRange(posts.Count(p => p.Rating == r), 40, 300));
        Assert.Contains(posts, p => p.FileExt == "gif");
        Assert.Contains(posts, p => p.FileExt == "mp4");
        Assert.InRange(posts.Count(p => p.FileExt is "png" or "jpg") / 600.0, 0.9, 0.97);
        Assert.Contains(posts, p => p.IsDeleted);
        Assert.Contains(posts, p => p.IsGoldOnly && p.FileUrl is null && p.Md5 is null);
        var aspects = posts.Select(p => (double)p.Width / p.Height).ToList();
        Assert.Contains(aspects, a => a < 0.4);
        Assert.Contains(aspects, a => a > 2.5);
        Assert.Contains(aspects, a => a == 1.0);
        Assert.Contains(posts, p => p.CreatedAt.EndsWith("+09:00", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", posts[0].CreatedAt);
        Assert.True(posts.Max(p => p.Id) > 7_500_000 && posts.Min(p => p.Id) < 20_000);
    }

    [Fact]
    public void Generate_HasEmoticonParenthesisedMetaAndBannedTags()
    {
        using var db = fixture.Open();
        foreach (var name in new[] { ":d", "^_^", "hatsune_miku_(vocaloid)", "rice_shower_(umamusume)", "highres", "bad_id", "commentary_request", "banned_artist" })
            Assert.NotNull(db.Tags.Find(name));
        Assert.Equal(TagType.Meta, db.Tags.Find("absurdres")!.Type);
    }

    [Fact]
    public void Generate_MorePostsThanMaxId_ContiguousIds()
    {
        using var db = DanbooruDb.Open(fixture.Make("contig.db", new SampleDbOptions(50, MaxId: 50)));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), db.PostIds());
    }

    [Fact]
    public void Validate_BadOptions_NamesFields()
    {
        var e = Assert.Throws<ArgumentException>(() => new SampleDbOptions(0, MaxId: -1).Validate());
        Assert.Contains("posts", e.Message);
        Assert.Contains("maxId", e.Message);
    }
}
