using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Kohaku.Data.Tests.Sample;

namespace Kohaku.Data.Tests.Captions;

public class FavPercentilesTests(SampleDbFixture fixture) : IClassFixture<SampleDbFixture>
{
    [Theory]
    [InlineData(new[] { 1, 2, 3, 4 }, 50, 2.5)]
    [InlineData(new[] { 1, 2, 3, 4 }, 25, 1.75)]
    [InlineData(new[] { 1, 2, 3, 4 }, 100, 4)]
    [InlineData(new[] { 7 }, 90, 7)]
    [InlineData(new[] { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 }, 95, 95)]
    public void Percentile_MatchesNumpyLinear(int[] sorted, double q, double expected) => Assert.Equal(expected, FavPercentiles.Percentile(sorted, q), 12);

    [Fact]
    public void HakuBooru_SheetValues()
    {
        Assert.Equal(8, FavPercentiles.HakuBooru[Rating.General, 50]);
        Assert.Equal(52, FavPercentiles.HakuBooru[Rating.Explicit, 50]);
        Assert.Equal(132, FavPercentiles.HakuBooru[Rating.Questionable, 90]);
        Assert.Equal(81, FavPercentiles.HakuBooru[Rating.Sensitive, 95]);
    }

    [Fact]
    public void Compute_SampleDb_MatchesPercentilesOfItsRows()
    {
        using var db = fixture.Open();
        var computed = FavPercentiles.Compute(db);
        var general = db.Posts().Where(p => p.Rating == Rating.General).Select(p => p.FavCount).Order().ToArray();
        Assert.Equal(FavPercentiles.Percentile(general, 75), computed[Rating.General, 75]);
        foreach (var rating in Enum.GetValues<Rating>())
        {
            var row = FavPercentiles.ComputedKeys.Select(k => computed[rating, k]).ToArray();
            Assert.Equal(row.Order(), row);
        }
        // The generator spreads favourites around HakuBooru's medians: computed medians land near them.
        Assert.InRange(computed[Rating.General, 50], 4, 14);
        Assert.InRange(computed[Rating.Explicit, 50], 30, 80);
    }

    [Fact]
    public void Indexer_MissingKey_Throws() => Assert.Throws<KeyNotFoundException>(() => FavPercentiles.HakuBooru[Rating.General, 5]);
}
