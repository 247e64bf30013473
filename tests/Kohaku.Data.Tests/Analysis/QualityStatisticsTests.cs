using Kohaku.Data.Analysis;
using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Analysis;

public class QualityStatisticsTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Fact]
    public void TierSharesByRating_SharesSumToOneAndCountNone()
    {
        using var db = fixture.Open();
        var quality = QualityTagger.For(CaptionStyle.Delta, FavPercentiles.HakuBooru);
        var frame = QualityStatistics.TierSharesByRating(db, quality);
        Assert.Equal(QualityStatistics.Tiers, frame.Columns["tier"].Cast<string>());
        foreach (var rating in new[] { "general", "sensitive", "questionable", "explicit" })
            Assert.Equal(1.0, frame.Columns[rating].Cast<double>().Sum(), 9);
        var generals = db.Posts().Where(p => p.Rating == Rating.General).ToList();
        var none = (double)generals.Count(p => p.Id > 7_000_000) / generals.Count;
        Assert.Equal(none, (double)frame.Columns["general"][7], 12);
        var masterpiece = (double)generals.Count(p => p.Id <= 7_000_000 && p.FavCount > 37) / generals.Count;
        Assert.Equal(masterpiece, (double)frame.Columns["general"][0], 12);
    }

    [Fact]
    public void TierSharesByYear_RowsPerYearSumToOne()
    {
        using var db = fixture.Open();
        var quality = QualityTagger.For(CaptionStyle.Current, FavPercentiles.HakuBooru);
        var frame = QualityStatistics.TierSharesByYear(db, quality, db.PostIds(0, 3_000_000).ToList());
        Assert.Equal(9, frame.Columns.Count);
        for (var i = 0; i < frame.Rows.Count; i++)
            Assert.Equal(1.0, QualityStatistics.Tiers.Sum(t => (double)frame.Columns[t][i]), 9);
        Assert.All(frame.Columns["none"].Cast<double>(), v => Assert.Equal(0.0, v));
    }
}
