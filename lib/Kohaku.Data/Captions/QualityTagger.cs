using Kohaku.Data.Danbooru;

namespace Kohaku.Data.Captions;

// HakuBooru's quality tag: walk six per-rating fav_count thresholds from the top and take the first
// one the post's fav_count strictly exceeds; none exceeded = worst quality. Posts above the id
// cut-off get no tag (their favourites had not accumulated yet when the table was made).
public sealed class QualityTagger
{
    public static readonly int[] DeltaKeys = [95, 85, 75, 50, 25, 10];
    public static readonly int[] CurrentKeys = [90, 75, 60, 45, 30, 10];
    public const long DeltaCutoff = 7_000_000;
    public const long CurrentCutoff = 7_500_000;

    private readonly double[][] _thresholds = new double[4][];

    public QualityTagger(FavPercentiles percentiles, IReadOnlyList<int> keys, long maxId)
    {
        if (keys.Count != 6) throw new ArgumentException($"six percentile keys expected, got {keys.Count}", nameof(keys));
        foreach (var rating in Enum.GetValues<Rating>())
            _thresholds[(int)rating] = keys.Select(k => percentiles[rating, k]).ToArray();
        MaxId = maxId;
    }

    public long MaxId { get; }

    public static QualityTagger For(CaptionStyle style, FavPercentiles percentiles) => style switch
    {
        CaptionStyle.Delta => new QualityTagger(percentiles, DeltaKeys, DeltaCutoff),
        CaptionStyle.Current => new QualityTagger(percentiles, CurrentKeys, CurrentCutoff),
        _ => throw new ArgumentOutOfRangeException(nameof(style), style, null),
    };

    public double[] Thresholds(Rating rating) => (double[])_thresholds[(int)rating].Clone();

    public string? Tag(long postId, Rating rating, int favCount)
    {
        if (postId > MaxId) return null;
        var row = _thresholds[(int)rating];
        for (var i = 0; i < row.Length; i++)
            if (favCount > row[i]) return HakuBooruTags.QualityTiers[i];
        return HakuBooruTags.QualityTiers[^1];
    }
}
