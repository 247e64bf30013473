using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Microsoft.Data.Analysis;

namespace Kohaku.Data.Analysis;

// How the quality tags fall: share of each tier (plus "none" above the id cut-off) per rating and
// per upload year, for the posts given (all posts when null).
public static class QualityStatistics
{
    public const string NoTag = "none";

    public static IReadOnlyList<string> Tiers { get; } = [.. HakuBooruTags.QualityTiers, NoTag];

    public static DataFrame TierSharesByRating(DanbooruDb db, QualityTagger quality, IReadOnlyCollection<long>? ids = null)
    {
        var counts = Enum.GetValues<Rating>().ToDictionary(r => r, _ => new long[Tiers.Count]);
        foreach (var post in Posts(db, ids)) counts[post.Rating][TierIndex(quality, post)]++;
        var frame = new DataFrame(new StringDataFrameColumn("tier", Tiers));
        foreach (var (rating, row) in counts)
            frame.Columns.Add(new DoubleDataFrameColumn(PostStatistics.Name(rating), Shares(row)));
        return frame;
    }

    public static DataFrame TierSharesByYear(DanbooruDb db, QualityTagger quality, IReadOnlyCollection<long>? ids = null)
    {
        var counts = new SortedDictionary<int, long[]>();
        foreach (var post in Posts(db, ids))
        {
            var year = YearTag.Year(post.CreatedAt);
            if (!counts.TryGetValue(year, out var row)) counts[year] = row = new long[Tiers.Count];
            row[TierIndex(quality, post)]++;
        }
        var shares = counts.Values.Select(Shares).ToList();
        var frame = new DataFrame(new Int32DataFrameColumn("year", counts.Keys));
        for (var t = 0; t < Tiers.Count; t++)
            frame.Columns.Add(new DoubleDataFrameColumn(Tiers[t], shares.Select(s => s[t])));
        return frame;
    }

    private static IEnumerable<Post> Posts(DanbooruDb db, IReadOnlyCollection<long>? ids)
    {
        var wanted = ids is null ? null : ids as IReadOnlySet<long> ?? ids.ToHashSet();
        return wanted is null ? db.Posts() : db.Posts().Where(p => wanted.Contains(p.Id));
    }

    private static int TierIndex(QualityTagger quality, Post post) =>
        quality.Tag(post.Id, post.Rating, post.FavCount) is { } tag ? Array.IndexOf(HakuBooruTags.QualityTiers, tag) : Tiers.Count - 1;

    private static double[] Shares(long[] row)
    {
        var total = row.Sum();
        return row.Select(c => total == 0 ? 0.0 : (double)c / total).ToArray();
    }
}
