using Kohaku.Bench;
using Kohaku.Samples;
using Microsoft.Data.Sqlite;

namespace Kohaku.Data.Tests.Sample;

// The danbooru2023-size preset at 2,000 posts: the bundled sample's schema with a ~1 M-row tag table
// and ~35 tags a post, and the bench stage that runs the Δ plan on it.
public class Danbooru2023SampleTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Danbooru2023_SameSchemaAsTheSample_TagTableAndTagsPerPostOfTheRealFile()
    {
        var path = fixture.Make("danbooru2023-2000.db", SampleDbOptions.Danbooru2023(2_000));
        Assert.Equal(Scalar<string>(fixture.Path600, Schema), Scalar<string>(path, Schema));
        // The preset adds 598,500 long-tail general tags and 399,600 artists to the sample's vocabulary.
        Assert.Equal(Scalar<long>(fixture.Path600, "SELECT count(*) FROM tag") + 598_500 + 399_600, Scalar<long>(path, "SELECT count(*) FROM tag"));
        Assert.Equal(2_000, Scalar<long>(path, "SELECT count(*) FROM post"));
        Assert.InRange(Scalar<double>(path, "SELECT count(*) * 1.0 / (SELECT count(*) FROM post) FROM posttagrelation"), 33, 37);
    }

    [Fact]
    public void Danbooru2023Options_Default_IsTheRealPostCountWithContiguousIds()
    {
        var options = SampleDbOptions.Danbooru2023();
        Assert.Equal(7_073_868, options.Posts);
        Assert.True(options.MaxId < 2L * options.Posts);
        Assert.Contains("extraTailTags: -1", Assert.Throws<ArgumentException>(() => (options with { ExtraTailTags = -1 }).Validate()).Message);
    }

    [Fact]
    public void Bench_2000Posts_RunsTheDeltaPlanAndDeletesItsDatabase()
    {
        var work = Path.Combine(fixture.Dir, "bench-2000");
        Directory.CreateDirectory(work);
        var rows = new Danbooru2023Bench().Run(new BenchOptions(work, Posts: 2_000), TextWriter.Null, CancellationToken.None);
        Assert.Equal(["generate synthetic db", "select + caption (delta plan, delta style)", "captions per CPU-second", "peak memory (process working set)"], rows.Select(r => r.Figure));
        Assert.All(rows, r => Assert.Equal("danbooru2023", r.Stage));
        Assert.Matches(@"^[\d,]+ captions of [\d,]+ draws in ", rows[1].Reference);
        Assert.Empty(Directory.GetFiles(work));
    }

    private const string Schema = "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)";

    private static T Scalar<T>(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
