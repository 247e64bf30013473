using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Danbooru;

public class SelectionConfigTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Defaults_AreDeltaPlan()
    {
        var plan = new SelectionConfig().ToPlan();
        Assert.Equal("delta", plan.Name);
        Assert.Equal(1, plan.Seed);
        Assert.True(plan.Filter.IsEmpty);
        Assert.Equal(
            [SelectionRange.All(5_000_000), SelectionRange.Choose(3_000_000, 5_000_000, 1_000_000), SelectionRange.Choose(0, 3_000_000, 1_000_000)],
            plan.Ranges);
    }

    [Fact]
    public void Load_InlineRangesAndRelativeDb_ScalePlan()
    {
        var run = Path.Combine(fixture.Dir, $"run-{Guid.NewGuid():N}.json");
        File.WriteAllText(run, """
            { "select": { "db": "sample.db", "plan": "delta", "seed": 7, "unique": true,
                          "ranges": [ { "start": 5000000 }, { "start": 0, "end": 5000000, "draws": 50 } ],
                          "filter": { "excludeNonImage": true, "ratings": ["general", "sensitive"] } } }
            """);
        var config = SelectionConfig.Load(run).Validate();
        Assert.Equal(fixture.Path600, config.Db);
        var plan = config.ToPlan();
        Assert.Equal(7, plan.Seed);
        Assert.Equal(2, plan.Ranges.Count);
        Assert.Equal(50, plan.Ranges[1].Draws);
        Assert.Equal([Rating.General, Rating.Sensitive], plan.Filter.Ratings);
        Assert.True(config.Unique);
    }

    [Fact]
    public void Validate_BadFields_NamesEach()
    {
        var config = new SelectionConfig
        {
            Db = Path.Combine(fixture.Dir, "missing.db"),
            Ranges = [new SelectionRange { Start = 10, End = 5 }],
            Filter = new PostFilter { MinScore = 5, MaxScore = 1 },
        };
        var e = Assert.Throws<ArgumentException>(() => config.Validate());
        Assert.Contains("db: file not found", e.Message);
        Assert.Contains("ranges[0].end", e.Message);
        Assert.Contains("filter.minScore", e.Message);
    }

    [Fact]
    public void Validate_UnknownPlan_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new SelectionConfig { Db = fixture.Path600, Plan = "epsilon" }.Validate());
        Assert.Contains("\"epsilon\"", e.Message);
    }

    [Fact]
    public void ToPlan_PlanFile_LoadsRangesAndFilters()
    {
        var path = Path.Combine(fixture.Dir, $"plan-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "name": "mine", "seed": 3, "ranges": [ { "start": 0, "draws": 10, "replacement": false } ], "filter": { "excludeDeleted": true } }""");
        var plan = new SelectionConfig { Db = fixture.Path600, Plan = path }.Validate().ToPlan();
        Assert.Equal("mine", plan.Name);
        Assert.False(plan.Ranges[0].Replacement);
        Assert.True(plan.Filter.ExcludeDeleted);
    }

    [Fact]
    public void ToPlan_PlanFileUnknownField_ThrowsNamingFileAndField()
    {
        var path = Path.Combine(fixture.Dir, $"plan-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "ranges": [ { "begin": 0 } ] }""");
        var e = Assert.Throws<InvalidDataException>(() => SelectionPlan.Load(path));
        Assert.Contains(Path.GetFileName(path), e.Message);
        Assert.Contains("begin", e.Message);
    }

    [Theory]
    [InlineData("""{ "ranges": null }""", "ranges: null is not allowed here (leave the field out for its default)")]
    [InlineData("""{ "filter": null }""", "filter: null is not allowed here (leave the field out for its default)")]
    [InlineData("""{ "ranges": [null] }""", "ranges[0] is null")]
    [InlineData("""{ "ranges": [ { "start": 0, "draws": 2147483647 } ] }""", "ranges[0].draws 2,147,483,647 > 100,000,000 (danbooru2023 holds about 7 million posts; the draws are kept in memory)")]
    public void Load_NullsAndHugeDraws_OneMessageNamingFileAndField(string json, string expected)
    {
        var path = Path.Combine(fixture.Dir, $"plan-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);

        var e = Assert.Throws<InvalidDataException>(() => SelectionPlan.Load(path));

        Assert.EndsWith(expected, e.Message);
        Assert.StartsWith(path + ": ", e.Message);
    }

    [Theory]
    [InlineData("[1,2,3]", "a run file is a JSON object of sections (select, caption, buckets, base, lokr, train), not array")]
    [InlineData("null", "a run file is a JSON object of sections (select, caption, buckets, base, lokr, train), not null")]
    [InlineData("""{ "trian": { "maxSteps": 5 } }""", "unknown section(s) \"trian\"; known: select, caption, buckets, base, lokr, train")]
    public void Load_RunFileNotObjectOrUnknownSection_Rejected(string json, string expected)
    {
        var path = Path.Combine(fixture.Dir, $"run-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);

        var e = Assert.Throws<InvalidDataException>(() => SelectionConfig.Load(path));

        Assert.Equal($"{path}: {expected}", e.Message);
    }

    [Fact]
    public void Problems_TextFileAsDatabase_NamesIt()
    {
        var path = Path.Combine(fixture.Dir, $"text-{Guid.NewGuid():N}.db");
        File.WriteAllText(path, "id,rating\n1,0\n");

        var problems = new SelectionConfig { Db = path, Plan = "delta-sample" }.Problems();

        Assert.Equal([$"db: {path} is not an SQLite database (its first bytes are not \"SQLite format 3\")"], problems);
    }
}
