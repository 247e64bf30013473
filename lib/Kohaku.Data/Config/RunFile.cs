using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kohaku.Data.Config;

// The run configuration is one JSON file (data/sample.run.json for the bundled sample) with one
// section per stage ("select", "caption", "buckets", "base", "lokr", "train", "export").
// Each stage reads only its own section into its own record, so no stage can depend on another's
// knobs; paths inside a section are relative to the run file's folder.
public static class RunFile
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // Reads one section; a missing section gives the record's defaults, an unknown field is an error naming it.
    public static T LoadSection<T>(string runFile, string section) where T : new()
    {
        using var doc = ReadDocument(runFile);
        if (!doc.RootElement.TryGetProperty(section, out var element)) return new T();
        try
        {
            return element.Deserialize<T>(Json) ?? new T();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{runFile}: section \"{section}\": {e.Message}", e);
        }
    }

    public static JsonDocument ReadDocument(string runFile)
    {
        if (!File.Exists(runFile)) throw new FileNotFoundException($"run configuration not found: {runFile}", runFile);
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(runFile), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
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
