using System.Text.Json;
using Kohaku.Data.Config;

namespace Kohaku.Data.Danbooru;

// A list of id ranges drawn from one seeded CPython RNG in list order, plus the filters applied
// to every range's population before drawing.
public sealed record SelectionPlan
{
    public string Name { get; init; } = "custom";
    public long Seed { get; init; } = 1;
    public List<SelectionRange> Ranges { get; init; } = [];
    public PostFilter Filter { get; init; } = PostFilter.None;

    // Kohaku XL Δ exactly (HakuBooru kohaku_xl.py): seed 1; all ids ≥ 5 M; random.choices of 1 M
    // from [3 M, 5 M); then 1 M from [0, 3 M). No filters.
    public static SelectionPlan Delta => new()
    {
        Name = "delta",
        Seed = 1,
        Ranges = [SelectionRange.All(5_000_000), SelectionRange.Choose(3_000_000, 5_000_000, 1_000_000), SelectionRange.Choose(0, 3_000_000, 1_000_000)],
    };

    // What the model card describes: the same ranges sampled without replacement, after removing
    // deleted, gold-only and non-image posts.
    public static SelectionPlan DeltaCard => CardFaithful(Delta) with { Name = "delta-card" };

    // The model card's reading of a plan: same ranges and seed, drawn without replacement, after
    // the card's filters.
    public static SelectionPlan CardFaithful(SelectionPlan plan) => plan with
    {
        Name = plan.Name + "-card",
        Ranges = plan.Ranges.Select(r => r with { Replacement = false }).ToList(),
        Filter = PostFilter.Card,
    };

    // The Δ plan scaled to the bundled ~600-post sample (ids spread over 1..7.9 M): a few hundred posts.
    public static SelectionPlan DeltaSample => Delta with
    {
        Name = "delta-sample",
        Ranges = [SelectionRange.All(5_000_000), SelectionRange.Choose(3_000_000, 5_000_000, 100), SelectionRange.Choose(0, 3_000_000, 100)],
    };

    public const int MaxDraws = 100_000_000;

    public static IReadOnlyList<string> BuiltIn => ["delta", "delta-card", "delta-sample"];

    // A built-in name or a plan JSON file (same camelCase shape as this record).
    public static SelectionPlan Resolve(string nameOrFile) => nameOrFile switch
    {
        "delta" => Delta,
        "delta-card" => DeltaCard,
        "delta-sample" => DeltaSample,
        _ when File.Exists(nameOrFile) => Load(nameOrFile),
        _ => throw new ArgumentException($"plan \"{nameOrFile}\" is neither a built-in plan ({string.Join(", ", BuiltIn)}) nor an existing plan file"),
    };

    public static SelectionPlan Load(string path)
    {
        SelectionPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize<SelectionPlan>(File.ReadAllBytes(path), RunFile.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a selection plan: {RunFile.Describe(e)}", e);
        }
        if (plan is null) throw new InvalidDataException($"{path}: not a selection plan (null)");
        var problems = plan.Problems().ToList();
        if (problems.Count > 0) throw new InvalidDataException($"{path}: {string.Join("; ", problems)}");
        return plan;
    }

    public IEnumerable<string> Problems()
    {
        if (Ranges.Count == 0) yield return "ranges is empty";
        for (var i = 0; i < Ranges.Count; i++)
        {
            var r = Ranges[i];
            if (r is null) { yield return $"ranges[{i}] is null"; continue; }
            if (r.Start < 0) yield return $"ranges[{i}].start {r.Start} < 0";
            if (r.End <= r.Start) yield return $"ranges[{i}].end {r.End} ≤ start {r.Start}";
            if (r.Draws < 0) yield return $"ranges[{i}].draws {r.Draws} < 0";
            if (r.Draws > MaxDraws) yield return $"ranges[{i}].draws {r.Draws:N0} > {MaxDraws:N0} (danbooru2023 holds about 7 million posts; the draws are kept in memory)";
        }
        foreach (var p in Filter.Problems()) yield return p;
    }

    public override string ToString() =>
        $"{Name} (seed {Seed}): {string.Join("; ", Ranges)}{(Filter.IsEmpty ? "" : "; filters " + FilterSummary())}";

    private string FilterSummary()
    {
        var parts = new List<string>();
        if (Filter.ExcludeDeleted) parts.Add("deleted");
        if (Filter.ExcludeBanned) parts.Add("banned");
        if (Filter.ExcludeGoldOnly) parts.Add("gold-only");
        if (Filter.ExcludeNonImage) parts.Add("non-image");
        if (Filter.Ratings is not null) parts.Add("ratings " + string.Join("/", Filter.Ratings));
        if (Filter.MinScore is not null || Filter.MaxScore is not null) parts.Add($"score {Filter.MinScore}..{Filter.MaxScore}");
        if (Filter.MinFavCount is not null || Filter.MaxFavCount is not null) parts.Add($"fav_count {Filter.MinFavCount}..{Filter.MaxFavCount}");
        if (Filter.RequiredTags.Count > 0) parts.Add("requires " + string.Join(" ", Filter.RequiredTags));
        if (Filter.ExcludedTags.Count > 0) parts.Add("excludes " + string.Join(" ", Filter.ExcludedTags));
        return string.Join(", ", parts);
    }
}
