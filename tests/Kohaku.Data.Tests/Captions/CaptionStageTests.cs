using System.Text;
using Kohaku.Data.Captions;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Captions;

public class CaptionStageTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void WriteJsonl_DuplicatesAndMissing_OneLinePerExistingIdAscending()
    {
        using var db = fixture.Open();
        var all = db.PostIds().ToList();
        long[] ids = [all[10], all[2], all[10], all[500], 9_999_999];
        var path = Path.Combine(fixture.Dir, $"captions-{Guid.NewGuid():N}.jsonl");
        var summary = CaptionStage.WriteJsonl(db, ids, new CaptionConfig(), path);
        Assert.Equal(new CaptionSummary(5, 4, 3, 0, 1), summary);
        var lines = CaptionStage.ReadJsonl(path).ToList();
        Assert.Equal(new[] { all[2], all[10], all[500] }, lines.Select(l => l.Id));
        var builder = CaptionStage.CreateBuilder(db, new CaptionConfig());
        Assert.Equal(builder.Build(db.Find(all[10])!), lines[1].Caption);
        Assert.Contains(", |||", lines[0].Caption);
        Assert.EndsWith("\n", File.ReadAllText(path));
    }

    [Fact]
    public void ExportTextFiles_WritesUtf8NoNewline_SkipsCompleteOnRerun()
    {
        using var db = fixture.Open();
        var ids = db.PostIds().Take(20).ToArray();
        var dir = Path.Combine(fixture.Dir, $"export-{Guid.NewGuid():N}");
        var first = CaptionStage.ExportTextFiles(db, ids, new CaptionConfig { Style = CaptionStyle.Current }, dir);
        Assert.Equal(20, first.Written);
        var bytes = File.ReadAllBytes(CaptionStage.TextPath(dir, ids[0]));
        Assert.NotEqual((byte)'\n', bytes[^1]);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        Assert.Equal(CaptionStage.CreateBuilder(db, new CaptionConfig { Style = CaptionStyle.Current }).Build(db.Find(ids[0])!), Encoding.UTF8.GetString(bytes));

        File.WriteAllText(CaptionStage.TextPath(dir, ids[1]), "kept");
        File.Delete(CaptionStage.TextPath(dir, ids[2]));
        var second = CaptionStage.ExportTextFiles(db, ids, new CaptionConfig { Style = CaptionStyle.Current }, dir);
        Assert.Equal(new CaptionSummary(20, 20, 1, 19, 0), second);
        Assert.Equal("kept", File.ReadAllText(CaptionStage.TextPath(dir, ids[1])));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void CreateBuilder_ComputedQuality_UsesDatabasePercentiles()
    {
        using var db = fixture.Open();
        var builder = CaptionStage.CreateBuilder(db, new CaptionConfig { Quality = QualityMode.Computed });
        var computed = FavPercentiles.Compute(db);
        Assert.Equal(computed[Kohaku.Data.Danbooru.Rating.General, 95], builder.Quality.Thresholds(Kohaku.Data.Danbooru.Rating.General)[0]);
    }

    [Fact]
    public void ReadJsonl_BadLine_ThrowsNamingLine()
    {
        var path = Path.Combine(fixture.Dir, $"bad-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"id\":1,\"caption\":\"a\"}\n{\"caption\":\"b\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => CaptionStage.ReadJsonl(path).ToList());
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void WriteJsonl_UnreadableCreatedAt_KeepsHakuBooruEarlyTagAndReportsThePost()
    {
        var path = Path.Combine(fixture.Dir, $"dates-{Guid.NewGuid():N}.db");
        File.Copy(fixture.Path600, path);
        long[] ids;
        using (var db = Kohaku.Data.Danbooru.DanbooruDb.Open(path)) ids = db.PostIds().Take(30).ToArray();
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE post SET created_at = 'garbage' WHERE id IN ({ids[7]}, {ids[3]})";
            cmd.ExecuteNonQuery();
        }
        using var damaged = Kohaku.Data.Danbooru.DanbooruDb.Open(path);

        var summary = CaptionStage.WriteJsonl(damaged, ids, new CaptionConfig(), path + ".jsonl");

        Assert.Equal((2L, $"post {ids[3]} \"garbage\""), (summary.UnreadableDates, summary.FirstUnreadableDate));
        Assert.EndsWith($"; 2 with an unreadable created_at, tagged \"early\" as HakuBooru does (first: post {ids[3]} \"garbage\")", summary.ToString());
        Assert.Contains("early", CaptionStage.ReadJsonl(path + ".jsonl").Single(l => l.Id == ids[3]).Caption.Split(", "));
    }
}
