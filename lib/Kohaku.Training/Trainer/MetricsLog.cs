using System.Text.Json;
using System.Text.Json.Serialization;
using Kohaku.Data.IO;

namespace Kohaku.Training.Trainer;

// train/metrics.jsonl: one JSON object per optimizer step. Appended line by line while training;
// on resume the file is cut back (atomically) to the checkpoint's step, so a killed and resumed run
// has exactly one line per step.
public sealed class MetricsLog
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public MetricsLog(string path) => Path = path;

    public string Path { get; }

    public void Append(TrainStep step) => File.AppendAllText(Path, JsonSerializer.Serialize(step, Json) + "\n");

    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path)) return;
        var kept = Read(Path).Where(s => s.Step <= step).Select(s => JsonSerializer.Serialize(s, Json) + "\n");
        AtomicFile.WriteAllText(Path, string.Concat(kept));
    }

    // Lines that do not parse (a line cut by a kill) are skipped.
    public static IReadOnlyList<TrainStep> Read(string path)
    {
        var steps = new List<TrainStep>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<TrainStep>(line, Json) is { } s) steps.Add(s);
            }
            catch (JsonException)
            {
            }
        }
        return steps;
    }
}
