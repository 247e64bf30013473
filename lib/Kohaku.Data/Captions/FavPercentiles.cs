using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Captions;

// fav_count percentiles per rating: HakuBooru's fixed table (metainfo.py fav_count_percentile_full,
// the columns its quality tags use) or the same percentiles computed from a database with numpy's
// default linear interpolation.
public sealed record FavPercentiles(IReadOnlyDictionary<Rating, IReadOnlyDictionary<int, double>> Values)
{
    public static readonly int[] TableKeys = [10, 25, 30, 45, 50, 60, 75, 85, 90, 95];
    public static readonly int[] ComputedKeys = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95];

    public static FavPercentiles HakuBooru { get; } = new(new Dictionary<Rating, IReadOnlyDictionary<int, double>>
    {
        [Rating.General] = Row(1, 3, 4, 7, 8, 10, 16, 22, 27, 37),
        [Rating.Sensitive] = Row(2, 6, 8, 13, 15, 19, 30, 44, 56, 81),
        [Rating.Questionable] = Row(8, 18, 21, 33, 38, 49, 75, 105, 132, 182),
        [Rating.Explicit] = Row(9, 22, 27, 45, 52, 69, 106, 151, 190, 262),
    });

    public double this[Rating rating, int percentile] =>
        Values.TryGetValue(rating, out var row) && row.TryGetValue(percentile, out var v) ? v
            : throw new KeyNotFoundException($"no p{percentile} for rating {rating} in this percentile table");

    // All posts of each rating in the file (the "full" in HakuBooru's table name).
    public static FavPercentiles Compute(DanbooruDb db)
    {
        var byRating = Enum.GetValues<Rating>().ToDictionary(r => r, _ => new List<int>());
        foreach (var (rating, fav) in db.RatingFavCounts()) byRating[rating].Add(fav);
        return FromSamples(byRating.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value));
    }

    public static FavPercentiles FromSamples(IReadOnlyDictionary<Rating, IReadOnlyList<int>> favCounts)
    {
        var values = new Dictionary<Rating, IReadOnlyDictionary<int, double>>();
        foreach (var (rating, samples) in favCounts)
        {
            if (samples.Count == 0) continue;
            var sorted = samples.ToArray();
            Array.Sort(sorted);
            values[rating] = ComputedKeys.ToDictionary(p => p, p => Percentile(sorted, p));
        }
        return new FavPercentiles(values);
    }

    // numpy.percentile(a, q) with method="linear": rank (n-1)·q/100 between the two neighbours.
    public static double Percentile(int[] sorted, double q)
    {
        if (sorted.Length == 0) throw new ArgumentException("no samples", nameof(sorted));
        var rank = (sorted.Length - 1) * q / 100.0;
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    private static IReadOnlyDictionary<int, double> Row(params double[] values) =>
        TableKeys.Zip(values).ToDictionary(p => p.First, p => p.Second);
}
