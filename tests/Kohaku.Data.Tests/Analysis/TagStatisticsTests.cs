using Kohaku.Data.Analysis;
using Kohaku.Data.Danbooru;
using Kohaku.Samples;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Analysis;

public class TagStatisticsTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void TopTags_Character_CountsFromRelationDescending()
    {
        using var db = fixture.Open();
        var frame = TagStatistics.TopTags(db, TagType.Character, 5);
        Assert.Equal(5, frame.Rows.Count);
        var posts = db.TaggedPosts(db.PostIds().ToList()).ToList();
        var top = (string)frame.Columns["tag"][0];
        Assert.Equal(posts.LongCount(p => p.Tags.Any(t => t.Name == top)), (long)frame.Columns["posts"][0]);
        Assert.Equal(frame.Columns["posts"].Cast<long>().OrderDescending(), frame.Columns["posts"].Cast<long>());
        Assert.All(frame.Columns["tag"].Cast<string>(), name => Assert.Equal(TagType.Character, db.Tags.Find(name)!.Type));
    }

    [Fact]
    public void TagCountHistogram_SumsToPostsAndTags()
    {
        using var db = fixture.Open();
        var frame = TagStatistics.TagCountHistogram(db);
        var tags = frame.Columns["tags"].Cast<int>().ToArray();
        var posts = frame.Columns["posts"].Cast<long>().ToArray();
        Assert.Equal(600L, posts.Sum());
        var relations = db.TaggedPosts(db.PostIds().ToList()).Sum(p => (long)p.Tags.Count);
        Assert.Equal(relations, tags.Zip(posts).Sum(x => x.First * x.Second));
    }

    [Fact]
    public void TopTags_V1File_ThrowsNamingTable()
    {
        using var db = DanbooruDb.Open(fixture.Make("v1-30.db", new SampleDbOptions(30, Schema: SchemaVersion.V1TagList)));
        var e = Assert.Throws<NotSupportedException>(() => TagStatistics.TopTags(db, TagType.General));
        Assert.Contains("posttagrelation", e.Message);
    }
}
