using System.Text.Json;

namespace Kohaku.Data.Export;

// workDir/captions.jsonl, written by the caption stage: one {"id": 123, "caption": "..."} per line.
// Read here by format, not by type, so the export needs nothing from the caption code.
public static class CaptionsFile
{
    public const string FileName = "captions.jsonl";

    public static IReadOnlyList<(long Id, string Caption)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"captions file not found: {path}", path);
        var captions = new List<(long, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (!root.TryGetProperty("id", out var id) || !id.TryGetInt64(out var value)) throw new InvalidDataException("no integer \"id\"");
                if (!root.TryGetProperty("caption", out var caption) || caption.ValueKind != JsonValueKind.String) throw new InvalidDataException("no string \"caption\"");
                captions.Add((value, caption.GetString()!));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }
        return captions;
    }
}
