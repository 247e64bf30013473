using Kohaku.Data.Analysis;
using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Analysis;

public class FavStatisticsTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void Cdf_IsMonotoneAndMatchesCounts()
    {
        using var db = fixture.Open();
        var frame = FavStatistics.Cdf(db, 100);
        Assert.Equal(101, frame.Rows.Count);
        var general = frame.Columns["general"].Cast<double>().ToArray();
        Assert.Equal(general.Order(), general);
        var posts = db.Posts().Where(p => p.Rating == Rating.General).ToList();
        Assert.Equal((double)posts.Count(p => p.FavCount <= 8) / posts.Count, general[8], 12);
    }

    [Fact]
    public void PercentileTable_PutsComputedBesideHakuBooru()
    {
        using var db = fixture.Open();
        var computed = FavPercentiles.Compute(db);
        var frame = FavStatistics.PercentileTable(computed);
        Assert.Equal(FavPercentiles.TableKeys, frame.Columns["percentile"].Cast<int>());
        var row50 = Array.IndexOf(FavPercentiles.TableKeys, 50);
        Assert.Equal(52.0, frame.Columns["explicit (HakuBooru)"][row50]);
        Assert.Equal(computed[Rating.Explicit, 50], frame.Columns["explicit"][row50]);
        Assert.Equal(9, frame.Columns.Count);
    }

    [Fact]
    public void PercentilePoints_HakuBooru_FortyRows()
    {
        var frame = FavStatistics.PercentilePoints(FavPercentiles.HakuBooru);
        Assert.Equal(40, frame.Rows.Count);
        Assert.Equal("general", frame.Columns["rating"][0]);
        Assert.Equal(1.0, frame.Columns["favCount"][0]);
        Assert.Equal(0.1, frame.Columns["share"][0]);
    }
}
