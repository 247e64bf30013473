using Kohaku.Data.Config;

namespace Kohaku.Data.Danbooru;

// Run-file section "select". The plan is a built-in name or a plan file; ranges, seed and filter
// given here replace the plan's, which is how a run file scales the Δ plan down to a small database.
public sealed record SelectionConfig : ISectionConfig
{
    public string Db { get; init; } = "danbooru2023.db";
    public string Plan { get; init; } = "delta";
    public List<SelectionRange>? Ranges { get; init; }
    public long? Seed { get; init; }
    public PostFilter? Filter { get; init; }
    // Keep the first occurrence of each id only (HakuBooru kept duplicates in its list; export collapsed them).
    public bool Unique { get; init; }

    public static SelectionConfig Load(string runFile)
    {
        var config = RunFile.LoadSection<SelectionConfig>(runFile, "select");
        return config with
        {
            Db = RunFile.Resolve(runFile, config.Db),
            Plan = SelectionPlan.BuiltIn.Contains(config.Plan) ? config.Plan : RunFile.Resolve(runFile, config.Plan),
        };
    }

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Db)) problems.Add("db: empty (path of danbooru2023.db)");
        else if (!File.Exists(Db)) problems.Add($"db: file not found: {Db}");
        else if (!IsSqliteFile(Db)) problems.Add($"db: {Db} is not an SQLite database (its first bytes are not \"SQLite format 3\")");
        if (string.IsNullOrWhiteSpace(Plan)) problems.Add("plan: empty");
        else if (!SelectionPlan.BuiltIn.Contains(Plan) && !File.Exists(Plan))
            problems.Add($"plan: \"{Plan}\" is neither a built-in plan ({string.Join(", ", SelectionPlan.BuiltIn)}) nor an existing file");
        else
        {
            try { problems.AddRange(ToPlan().Problems()); }
            catch (InvalidDataException e) { problems.Add("plan: " + e.Message); }
        }
        return problems;
    }

    private static bool IsSqliteFile(string path)
    {
        Span<byte> head = stackalloc byte[16];
        using var f = File.OpenRead(path);
        return f.ReadAtLeast(head, 16, throwOnEndOfStream: false) == 16 && head.SequenceEqual("SQLite format 3\0"u8);
    }

    public SelectionConfig Validate() => SectionConfig.Validated(this, "select");

    public SelectionPlan ToPlan()
    {
        var plan = SelectionPlan.Resolve(Plan);
        return plan with
        {
            Ranges = Ranges ?? plan.Ranges,
            Seed = Seed ?? plan.Seed,
            Filter = Filter ?? plan.Filter,
            Name = Ranges is null && Filter is null ? plan.Name : plan.Name + "+overrides",
        };
    }
}
