using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kohaku.Data.Config;

// The run configuration is one JSON file (data/sample.run.json for the bundled sample) with one
// section per stage ("select", "caption", "buckets", "base", "lokr", "train", "export").
// Each stage reads only its own section into its own record, so no stage can depend on another's
// knobs; paths inside a section are relative to the run file's folder.
public static class RunFile
{
    // Every section a run file may hold; anything else (a typo like "trian") is an error rather than
    // a stage silently running on its defaults.
    public static readonly string[] Sections = ["select", "caption", "buckets", "base", "lokr", "train"];

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        // "ranges": null in a plan or run file is an error naming the field, not a crash further on.
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // Reads one section; a missing section gives the record's defaults, an unknown field is an error
    // naming it. Values are checked by the caller (ISectionConfig.Problems) once paths are resolved.
    public static T LoadSection<T>(string runFile, string section) where T : ISectionConfig, new()
    {
        if (!Sections.Contains(section)) throw new ArgumentException($"no run-file section \"{section}\" (known: {string.Join(", ", Sections)})");
        using var doc = ReadDocument(runFile);
        if (!doc.RootElement.TryGetProperty(section, out var element)) return new T();
        try
        {
            return element.ValueKind == JsonValueKind.Object ? element.Deserialize<T>(Json) ?? new T()
                : throw new JsonException($"expected an object, found {element.ValueKind.ToString().ToLowerInvariant()}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{runFile}: section \"{section}\": {Describe(e)}", e);
        }
    }

    // System.Text.Json's nullability message addresses the record's author; the user needs the field.
    public static string Describe(JsonException e) =>
        e.Message.Contains("doesn't allow setting null values", StringComparison.Ordinal) && e.Path is { } path
            ? $"{path.TrimStart('$', '.')}: null is not allowed here (leave the field out for its default)"
            : e.Message;

    public static JsonDocument ReadDocument(string runFile)
    {
        if (!File.Exists(runFile)) throw new FileNotFoundException($"run configuration not found: {runFile}", runFile);
        try
        {
            var doc = JsonDocument.Parse(File.ReadAllBytes(runFile), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var problem = doc.RootElement.ValueKind != JsonValueKind.Object
                ? $"a run file is a JSON object of sections ({string.Join(", ", Sections)}), not {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}"
                : doc.RootElement.EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith('$') && !Sections.Contains(n)).ToList() is [_, ..] unknown
                    ? $"unknown section(s) {string.Join(", ", unknown.Select(u => $"\"{u}\""))}; known: {string.Join(", ", Sections)}"
                    : null;
            if (problem is null) return doc;
            doc.Dispose();
            throw new InvalidDataException($"{runFile}: {problem}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{runFile}: not valid JSON: {e.Message}", e);
        }
    }

    // A path from a section, made absolute against the run file's folder.
    public static string Resolve(string runFile, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runFile))!, path));
}
