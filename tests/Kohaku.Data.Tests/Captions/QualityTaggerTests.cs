using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Tests.Captions;

public class QualityTaggerTests
{
    [Theory]
    // general, Δ keys p95 37 / p85 22 / p75 16 / p50 8 / p25 3 / p10 1; strict ">".
    [InlineData(Rating.General, 38, "masterpiece")]
    [InlineData(Rating.General, 37, "best quality")]
    [InlineData(Rating.General, 20, "great quality")]
    [InlineData(Rating.General, 16, "good quality")]
    [InlineData(Rating.General, 8, "normal quality")]
    [InlineData(Rating.General, 3, "low quality")]
    [InlineData(Rating.General, 2, "low quality")]
    [InlineData(Rating.General, 1, "worst quality")]
    [InlineData(Rating.General, 0, "worst quality")]
    [InlineData(Rating.Explicit, 263, "masterpiece")]
    [InlineData(Rating.Explicit, 262, "best quality")]
    [InlineData(Rating.Questionable, 76, "great quality")]
    [InlineData(Rating.Questionable, 75, "good quality")]
    [InlineData(Rating.Sensitive, 7, "normal quality")]
    [InlineData(Rating.Sensitive, 6, "low quality")]
    public void Tag_DeltaTable_StrictThresholds(Rating rating, int fav, string expected) =>
        Assert.Equal(expected, QualityTagger.For(CaptionStyle.Delta, FavPercentiles.HakuBooru).Tag(1, rating, fav));

    [Theory]
    // general, current keys p90 27 / p75 16 / p60 10 / p45 7 / p30 4 / p10 1.
    [InlineData(Rating.General, 28, "masterpiece")]
    [InlineData(Rating.General, 20, "best quality")]
    [InlineData(Rating.General, 11, "great quality")]
    [InlineData(Rating.General, 10, "good quality")]
    [InlineData(Rating.General, 5, "normal quality")]
    [InlineData(Rating.General, 4, "low quality")]
    [InlineData(Rating.General, 1, "worst quality")]
    [InlineData(Rating.Explicit, 191, "masterpiece")]
    [InlineData(Rating.Questionable, 50, "great quality")]
    public void Tag_CurrentTable_StrictThresholds(Rating rating, int fav, string expected) =>
        Assert.Equal(expected, QualityTagger.For(CaptionStyle.Current, FavPercentiles.HakuBooru).Tag(1, rating, fav));

    [Fact]
    public void Thresholds_CurrentExplicit_AreSheetColumns() =>
        Assert.Equal([190.0, 106, 69, 45, 27, 9], QualityTagger.For(CaptionStyle.Current, FavPercentiles.HakuBooru).Thresholds(Rating.Explicit));

    [Fact]
    public void Tag_AboveCutoff_ReturnsNull()
    {
        Assert.Null(QualityTagger.For(CaptionStyle.Delta, FavPercentiles.HakuBooru).Tag(7_000_001, Rating.General, 100));
        Assert.Null(QualityTagger.For(CaptionStyle.Current, FavPercentiles.HakuBooru).Tag(7_500_001, Rating.General, 100));
    }

    [Fact]
    public void Constructor_FiveKeys_Throws() =>
        Assert.Throws<ArgumentException>(() => new QualityTagger(FavPercentiles.HakuBooru, [90, 75, 60, 45, 30], 1));
}
