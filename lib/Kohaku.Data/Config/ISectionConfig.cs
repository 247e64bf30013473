namespace Kohaku.Data.Config;

// One run-file section's record. Problems names every bad field at once, so one pass fixes a run file
// and RunConfig can list all sections together; Validate throws the list as one error.
public interface ISectionConfig
{
    IReadOnlyList<string> Problems();
}

public static class SectionConfig
{
    // The config itself when it has no problems, so an edge can write `config.Validate()` inline. A config
    // is validated once, where it enters: a verb's options or run file, a notebook's load, a file a stage
    // reads back (buckets.json); the stages below trust what they are given.
    public static T Validated<T>(T config, string section) where T : ISectionConfig
    {
        var problems = config.Problems();
        return problems.Count == 0 ? config : throw new ArgumentException($"run-file section \"{section}\": " + string.Join("; ", problems));
    }
}
