namespace Kohaku.Data.Danbooru;

// What one range contributed: its population after filters, the posts each filter removed, how
// many ids it emitted and how many of those were new (not emitted by this or an earlier range).
public sealed record RangeCount(SelectionRange Range, long Scanned, long Population, IReadOnlyDictionary<string, long> Filtered, long Emitted, long NewUnique);

// Ids in draw order (duplicates kept, as HakuBooru's list had them; they collapse at export).
public sealed record SelectionResult(SelectionPlan Plan, long[] Ids, IReadOnlyList<RangeCount> Ranges)
{
    public long UniqueCount => Ranges.Sum(r => r.NewUnique);
    public long Duplicates => Ids.LongLength - UniqueCount;

    // First occurrence of each id, in draw order.
    public long[] UniqueIds()
    {
        var seen = new HashSet<long>(Ids.Length);
        return Ids.Where(seen.Add).ToArray();
    }

    // Ascending unique ids: the order the reader streams posts in.
    public long[] SortedUniqueIds() => PostSelector.SortedUnique(Ids);
}
