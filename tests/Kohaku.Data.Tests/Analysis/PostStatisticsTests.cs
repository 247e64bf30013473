using Kohaku.Data.Analysis;
using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Analysis;

public class PostStatisticsTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void PerYearAndRating_AllPosts_CountsMatchPosts()
    {
        using var db = fixture.Open();
        var frame = PostStatistics.PerYearAndRating(db);
        Assert.Equal(["year", "general", "sensitive", "questionable", "explicit", "total"], frame.Columns.Select(c => c.Name));
        Assert.Equal(600L, frame.Columns["total"].Cast<long>().Sum());
        var posts = db.Posts().ToList();
        var row2019 = Enumerable.Range(0, (int)frame.Rows.Count).Single(i => (int)frame.Columns["year"][i] == 2019);
        Assert.Equal(posts.LongCount(p => YearTag.Year(p.CreatedAt) == 2019 && p.Rating == Rating.Explicit), (long)frame.Columns["explicit"][row2019]);
        Assert.Equal(225L, frame.Columns["general"].Cast<long>().Sum());
    }

    [Fact]
    public void PerYearAndRating_Ids_CountsOnlyThose()
    {
        using var db = fixture.Open();
        var ids = db.PostIds(5_000_000).ToList();
        Assert.Equal(220L, PostStatistics.PerYearAndRating(db, ids).Columns["total"].Cast<long>().Sum());
    }

    [Fact]
    public void SelectionSummaryAndFilterCounts_DeltaCard_ListRangesAndFilters()
    {
        using var db = fixture.Open();
        var result = PostSelector.Select(db, SelectionPlan.DeltaCard with { Ranges = [SelectionRange.All(5_000_000), SelectionRange.Choose(0, 5_000_000, 50)] });
        var summary = PostStatistics.SelectionSummary(result);
        Assert.Equal(2, summary.Rows.Count);
        Assert.Equal(193L, summary.Columns["population"][0]);
        Assert.Equal(result.Duplicates, summary.Columns["duplicates"].Cast<long>().Sum());
        var filters = PostStatistics.FilterCounts(result);
        Assert.Equal(result.Ranges.Sum(r => r.Filtered.Count), (int)filters.Rows.Count);
        Assert.Equal("deleted", filters.Columns["filter"][0]);
        Assert.Equal(6L, filters.Columns["posts"][0]);
    }
}
