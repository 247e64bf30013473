using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Microsoft.Data.Analysis;

namespace Kohaku.Data.Analysis;

// The fav_count distribution per rating, and the percentile table computed from a file next to
// HakuBooru's, which is what the quality tags are cut from.
public static class FavStatistics
{
    // Share of posts of each rating with fav_count ≤ x, for x = 0..maxFav: the curves the
    // percentile thresholds are read off (threshold for p = where the curve crosses p/100).
    public static DataFrame Cdf(DanbooruDb db, int maxFav = 300)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFav, 1);
        var histogram = new long[4, maxFav + 2];
        var totals = new long[4];
        foreach (var (rating, fav) in db.RatingFavCounts())
        {
            histogram[(int)rating, Math.Clamp(fav, 0, maxFav + 1)]++;
            totals[(int)rating]++;
        }
        var frame = new DataFrame(new Int32DataFrameColumn("favCount", Enumerable.Range(0, maxFav + 1)));
        foreach (var rating in Enum.GetValues<Rating>())
        {
            var r = (int)rating;
            var shares = new double[maxFav + 1];
            long running = 0;
            for (var x = 0; x <= maxFav; x++)
            {
                running += histogram[r, x];
                shares[x] = totals[r] == 0 ? double.NaN : (double)running / totals[r];
            }
            frame.Columns.Add(new DoubleDataFrameColumn(PostStatistics.Name(rating), shares));
        }
        return frame;
    }

    // One row per percentile key HakuBooru's table has: computed value and HakuBooru's, per rating.
    public static DataFrame PercentileTable(FavPercentiles computed, FavPercentiles? reference = null)
    {
        reference ??= FavPercentiles.HakuBooru;
        var keys = FavPercentiles.TableKeys;
        var frame = new DataFrame(new Int32DataFrameColumn("percentile", keys));
        foreach (var rating in Enum.GetValues<Rating>())
        {
            var name = PostStatistics.Name(rating);
            frame.Columns.Add(new DoubleDataFrameColumn(name, keys.Select(k => Lookup(computed, rating, k))));
            frame.Columns.Add(new DoubleDataFrameColumn($"{name} (HakuBooru)", keys.Select(k => Lookup(reference, rating, k))));
        }
        return frame;
    }

    // Long format (rating, percentile, favCount, share) for drawing a table's thresholds on the CDF chart.
    public static DataFrame PercentilePoints(FavPercentiles percentiles)
    {
        var rows = Enum.GetValues<Rating>()
            .SelectMany(r => FavPercentiles.TableKeys.Select(k => (Rating: PostStatistics.Name(r), Key: k, Fav: Lookup(percentiles, r, k))))
            .ToList();
        return new DataFrame(
            new StringDataFrameColumn("rating", rows.Select(x => x.Rating)),
            new Int32DataFrameColumn("percentile", rows.Select(x => x.Key)),
            new DoubleDataFrameColumn("favCount", rows.Select(x => x.Fav)),
            new DoubleDataFrameColumn("share", rows.Select(x => x.Key / 100.0)));
    }

    private static double Lookup(FavPercentiles p, Rating rating, int key) =>
        p.Values.TryGetValue(rating, out var row) && row.TryGetValue(key, out var v) ? v : double.NaN;
}
