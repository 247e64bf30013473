using System.Text;
using Kohaku.Data.IO;

namespace Kohaku.Data.Danbooru;

// Runs a selection plan against a database: ranges in plan order, one CPython RNG for the whole
// plan, so the Δ plan consumes the stream exactly as kohaku_xl.py did (1 M draws for [3 M, 5 M),
// then 1 M for [0, 3 M)).
public static class PostSelector
{
    public static SelectionResult Select(DanbooruDb db, SelectionPlan plan, IProgress<StageProgress>? progress = null)
    {
        var problems = plan.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException($"plan {plan.Name}: {string.Join("; ", problems)}");
        var rng = new PythonRandom(plan.Seed);
        var (required, excluded) = TagSets(db, plan.Filter);
        var ids = new List<long>();
        var seen = new HashSet<long>();
        var counts = new List<RangeCount>();
        foreach (var range in plan.Ranges)
        {
            var filtered = new Dictionary<string, long>(StringComparer.Ordinal);
            long scanned = 0;
            var population = new List<long>();
            if (plan.Filter.IsEmpty)
            {
                foreach (var id in db.PostIds(range.Start, range.End)) population.Add(id);
                scanned = population.Count;
            }
            else
            {
                foreach (var post in db.Posts(range.Start, range.End))
                {
                    scanned++;
                    var reason = plan.Filter.Rejects(post)
                        ?? (required is not null && !required.Contains(post.Id) ? "required tags" : null)
                        ?? (excluded is not null && excluded.Contains(post.Id) ? "excluded tags" : null);
                    if (reason is null) population.Add(post.Id);
                    else filtered[reason] = filtered.GetValueOrDefault(reason) + 1;
                }
            }

            var before = ids.Count;
            if (range.TakesAll) ids.AddRange(population);
            else if (population.Count > 0 && range.Draws > 0)
            {
                if (range.Replacement)
                {
                    var picks = new long[range.Draws!.Value];
                    rng.ChoicesIndices(population.Count, picks);
                    foreach (var k in picks) ids.Add(population[(int)k]);
                }
                else
                {
                    foreach (var k in rng.SampleIndices(population.Count, Math.Min(range.Draws!.Value, population.Count))) ids.Add(population[(int)k]);
                }
            }
            long fresh = 0;
            for (var i = before; i < ids.Count; i++)
                if (seen.Add(ids[i])) fresh++;
            counts.Add(new RangeCount(range, scanned, population.Count, filtered, ids.Count - before, fresh));
            progress?.Report(new StageProgress("select", counts.Count, plan.Ranges.Count, range.ToString()));
        }
        return new SelectionResult(plan, ids.ToArray(), counts);
    }

    // Unique ids ascending: the order the database streams posts in.
    public static long[] SortedUnique(IEnumerable<long> ids)
    {
        var sorted = ids.ToArray();
        Array.Sort(sorted);
        var n = 0;
        for (var i = 0; i < sorted.Length; i++)
            if (i == 0 || sorted[i] != sorted[n - 1]) sorted[n++] = sorted[i];
        Array.Resize(ref sorted, n);
        return sorted;
    }

    // One id per line (draw order, or first occurrences only), written atomically.
    public static void WriteIds(string path, IEnumerable<long> ids) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var id in ids) writer.WriteLine(id);
        });

    public static void WriteIds(string path, SelectionResult result, bool unique) => WriteIds(path, unique ? result.UniqueIds() : result.Ids);

    public static long[] ReadIds(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"id list not found: {path}", path);
        var ids = new List<long>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            var t = text.Trim();
            if (t.Length == 0) continue;
            if (!long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                throw new InvalidDataException($"{path}: line {line}: \"{t}\" is not a post id");
            ids.Add(id);
        }
        return ids.ToArray();
    }

    public static string Summarize(SelectionResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"plan {result.Plan}");
        foreach (var r in result.Ranges)
        {
            sb.Append($"  {r.Range}: scanned {r.Scanned:N0}, population {r.Population:N0}, emitted {r.Emitted:N0}, new unique {r.NewUnique:N0}");
            if (r.Filtered.Count > 0) sb.Append(" (filtered: ").Append(string.Join(", ", r.Filtered.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value:N0}"))).Append(')');
            sb.AppendLine();
        }
        sb.Append($"  total {result.Ids.Length:N0} ids, {result.UniqueCount:N0} unique, {result.Duplicates:N0} duplicates");
        return sb.ToString();
    }

    private static (HashSet<long>? Required, HashSet<long>? Excluded) TagSets(DanbooruDb db, PostFilter filter)
    {
        if (!filter.NeedsTags) return (null, null);
        Tag Lookup(string name) => db.Tags.Find(name) ?? throw new ArgumentException($"{db.Path}: filter tag \"{name}\" is not in table \"tag\" (names use underscores, e.g. long_hair)");
        HashSet<long>? required = null;
        foreach (var name in filter.RequiredTags)
        {
            var set = db.PostIdsWithTag(Lookup(name)).ToHashSet();
            if (required is null) required = set;
            else required.IntersectWith(set);
        }
        HashSet<long>? excluded = null;
        foreach (var name in filter.ExcludedTags)
            (excluded ??= []).UnionWith(db.PostIdsWithTag(Lookup(name)));
        return (required, excluded);
    }
}
