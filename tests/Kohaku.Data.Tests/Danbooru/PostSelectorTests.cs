using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Danbooru;

// Expected draws were computed with CPython 3 (random.seed(1); random.choices / random.sample over
// the ids of the same generated file read with Python's sqlite3), not with this code.
public class PostSelectorTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Select_DeltaSample_MatchesCPythonChoices()
    {
        using var db = fixture.Open();
        var result = PostSelector.Select(db, SelectionPlan.DeltaSample);
        Assert.Equal([220L, 152, 228], result.Ranges.Select(r => r.Population));
        Assert.Equal(420, result.Ids.Length);
        Assert.Equal(377, result.UniqueCount);
        Assert.Equal(43, result.Duplicates);
        Assert.Equal([3274704L, 4700087, 4542396, 3511848, 3992101], result.Ids[220..225]);
        Assert.Equal(3847880, result.Ids[319]);
        Assert.Equal([161099L, 2607884, 1703532, 597159, 1519738], result.Ids[320..325]);
        Assert.Equal(1499115, result.Ids[^1]);
        Assert.Equal(db.PostIds(5_000_000).ToArray(), result.Ids[..220]);
    }

    [Fact]
    public void Select_Delta_ConsumesTwoMillionDrawsLikeKohakuXlPy()
    {
        using var db = fixture.Open();
        var result = PostSelector.Select(db, SelectionPlan.Delta);
        Assert.Equal(2_000_220, result.Ids.Length);
        Assert.Equal(600, result.UniqueCount);
        Assert.Equal(4160329, result.Ids[220 + 123456]);
        Assert.Equal(994689, result.Ids[^1]);
    }

    [Fact]
    public void Select_DeltaCard_FiltersThenSamplesWithoutReplacement()
    {
        using var db = fixture.Open();
        var plan = SelectionPlan.DeltaCard with
        {
            Ranges = [SelectionRange.All(5_000_000), SelectionRange.Choose(3_000_000, 5_000_000, 60, false), SelectionRange.Choose(0, 3_000_000, 60, false)],
        };
        var result = PostSelector.Select(db, plan);
        Assert.Equal([193L, 127, 202], result.Ranges.Select(r => r.Population));
        Assert.Equal(new Dictionary<string, long> { ["gold-only"] = 6, ["deleted"] = 6, ["non-image"] = 15 }, result.Ranges[0].Filtered);
        Assert.Equal(new Dictionary<string, long> { ["deleted"] = 13, ["non-image"] = 9, ["gold-only"] = 3 }, result.Ranges[1].Filtered);
        Assert.Equal([3312449L, 4175563, 4737164, 4618948, 4553704], result.Ids[193..198]);
        Assert.Equal([425459L, 2840279, 1288388, 2758471, 2737476], result.Ids[253..258]);
        Assert.Equal(0, result.Duplicates);
    }

    [Fact]
    public void CardFaithful_DeltaSample_SameRangesWithoutReplacementAndCardFilters()
    {
        var card = SelectionPlan.CardFaithful(SelectionPlan.DeltaSample);
        Assert.Equal(SelectionPlan.DeltaSample.Ranges.Select(r => (r.Start, r.End, r.Draws)), card.Ranges.Select(r => (r.Start, r.End, r.Draws)));
        Assert.All(card.Ranges, r => Assert.False(r.Replacement));
        Assert.True(card.Filter is { ExcludeDeleted: true, ExcludeGoldOnly: true, ExcludeNonImage: true, ExcludeBanned: false });
        Assert.Equal("delta-sample-card", card.Name);
    }

    [Fact]
    public void Select_DrawsBeyondPopulationWithoutReplacement_TakesWholePopulation()
    {
        using var db = fixture.Open();
        var result = PostSelector.Select(db, new SelectionPlan { Ranges = [SelectionRange.Choose(3_000_000, 5_000_000, 10_000, false)] });
        Assert.Equal(152, result.Ids.Length);
        Assert.Equal(db.PostIds(3_000_000, 5_000_000).Order(), result.Ids.Order());
    }

    [Fact]
    public void Select_RatingScoreFavFilters_KeepOnlyMatchingPosts()
    {
        using var db = fixture.Open();
        var filter = new PostFilter { Ratings = [Rating.General, Rating.Sensitive], MinScore = 5, MaxFavCount = 40 };
        var result = PostSelector.Select(db, new SelectionPlan { Ranges = [SelectionRange.All(0)], Filter = filter });
        var expected = db.Posts().Where(p => p.Rating <= Rating.Sensitive && p.Score >= 5 && p.FavCount <= 40).Select(p => p.Id);
        Assert.Equal(expected, result.Ids);
        Assert.Equal(600 - result.Ids.Length, result.Ranges[0].Filtered.Values.Sum());
        Assert.True(result.Ranges[0].Filtered["rating"] > 0);
    }

    [Fact]
    public void Select_RequiredAndExcludedTags_UseRelation()
    {
        using var db = fixture.Open();
        var filter = new PostFilter { RequiredTags = ["1girl", "solo"], ExcludedTags = ["red_background"] };
        var result = PostSelector.Select(db, new SelectionPlan { Ranges = [SelectionRange.All(0)], Filter = filter });
        var expected = db.TaggedPosts(db.PostIds().ToList())
            .Where(p => p.Tags.Any(t => t.Name == "1girl") && p.Tags.Any(t => t.Name == "solo") && p.Tags.All(t => t.Name != "red_background"))
            .Select(p => p.Post.Id);
        Assert.Equal(expected, result.Ids);
        Assert.NotEmpty(result.Ids);
    }

    [Fact]
    public void Select_UnknownTag_ThrowsNamingTag()
    {
        using var db = fixture.Open();
        var plan = new SelectionPlan { Ranges = [SelectionRange.All(0)], Filter = new PostFilter { RequiredTags = ["no_such_tag"] } };
        var e = Assert.Throws<ArgumentException>(() => PostSelector.Select(db, plan));
        Assert.Contains("no_such_tag", e.Message);
    }

    [Fact]
    public void WriteIds_ReadIds_RoundTripDrawOrderAndUnique()
    {
        using var db = fixture.Open();
        var result = PostSelector.Select(db, SelectionPlan.DeltaSample);
        var path = Path.Combine(fixture.Dir, $"ids-{Guid.NewGuid():N}.txt");
        PostSelector.WriteIds(path, result.Ids);
        Assert.Equal(result.Ids, PostSelector.ReadIds(path));
        PostSelector.WriteIds(path, result.UniqueIds());
        var unique = PostSelector.ReadIds(path);
        Assert.Equal(377, unique.Length);
        Assert.Equal(result.Ids.Distinct(), unique);
        Assert.Equal(unique.Order(), result.SortedUniqueIds());
    }

    [Fact]
    public void SortedUnique_DuplicatesAndDisorder_AscendingOnce() =>
        Assert.Equal([1L, 3, 7, 9], PostSelector.SortedUnique([7, 3, 9, 3, 1, 7, 7]));

    [Fact]
    public void ReadIds_BadLine_ThrowsNamingLine()
    {
        var path = Path.Combine(fixture.Dir, $"bad-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "12\n13\nabc\n");
        var e = Assert.Throws<InvalidDataException>(() => PostSelector.ReadIds(path));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Summarize_ListsRangesFiltersAndDuplicates()
    {
        using var db = fixture.Open();
        var text = PostSelector.Summarize(PostSelector.Select(db, SelectionPlan.DeltaCard with { Ranges = [SelectionRange.All(5_000_000)] }));
        Assert.Contains("non-image 15", text);
        Assert.Contains("population 193", text);
        Assert.Contains("0 duplicates", text);
    }
}
