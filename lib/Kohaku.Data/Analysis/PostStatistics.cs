using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;
using Microsoft.Data.Analysis;

namespace Kohaku.Data.Analysis;

// Post counts for notebook 01: per upload year and rating, and what each range and filter of a
// selection contributed.
public static class PostStatistics
{
    // Year as the year tag reads it (the timestamp's own offset; unparseable = 0).
    public static DataFrame PerYearAndRating(DanbooruDb db, IReadOnlyCollection<long>? ids = null)
    {
        var wanted = ids is null ? null : ids as IReadOnlySet<long> ?? ids.ToHashSet();
        var counts = new SortedDictionary<int, long[]>();
        foreach (var post in db.Posts())
        {
            if (wanted is not null && !wanted.Contains(post.Id)) continue;
            var year = YearTag.Year(post.CreatedAt);
            if (!counts.TryGetValue(year, out var row)) counts[year] = row = new long[4];
            row[(int)post.Rating]++;
        }
        var frame = new DataFrame(new Int32DataFrameColumn("year", counts.Keys));
        foreach (var rating in Enum.GetValues<Rating>())
            frame.Columns.Add(new Int64DataFrameColumn(Name(rating), counts.Values.Select(r => r[(int)rating])));
        frame.Columns.Add(new Int64DataFrameColumn("total", counts.Values.Select(r => r.Sum())));
        return frame;
    }

    public static DataFrame SelectionSummary(SelectionResult result)
    {
        var r = result.Ranges;
        return new DataFrame(
            new StringDataFrameColumn("range", r.Select(x => x.Range.ToString())),
            new Int64DataFrameColumn("scanned", r.Select(x => x.Scanned)),
            new Int64DataFrameColumn("population", r.Select(x => x.Population)),
            new Int64DataFrameColumn("emitted", r.Select(x => x.Emitted)),
            new Int64DataFrameColumn("newUnique", r.Select(x => x.NewUnique)),
            new Int64DataFrameColumn("duplicates", r.Select(x => x.Emitted - x.NewUnique)));
    }

    // Long format: one row per (range, filter) with the posts that filter removed.
    public static DataFrame FilterCounts(SelectionResult result)
    {
        var rows = result.Ranges.SelectMany(r => r.Filtered.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (Range: r.Range.ToString(), Filter: f.Key, Posts: f.Value))).ToList();
        return new DataFrame(
            new StringDataFrameColumn("range", rows.Select(x => x.Range)),
            new StringDataFrameColumn("filter", rows.Select(x => x.Filter)),
            new Int64DataFrameColumn("posts", rows.Select(x => x.Posts)));
    }

    public static string Name(Rating rating) => rating.ToString().ToLowerInvariant();
}
