using System.Globalization;
using System.Text.Json;
using Kohaku.Data.Config;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Checkpoints;

// One resumable checkpoint = one safetensors file, written atomically (temp file + rename), so a
// run killed mid-write leaves the previous checkpoint as the newest complete one. Tensors:
// "param.<name>" trainable weights, "optim.<group>.<i>.<slot>" optimizer state (8-bit codes and
// absmax as stored). No generator state: every draw is keyed by (seed, step, sample). Metadata
// "kohaku.train" holds TrainState.
public static class TrainCheckpoint
{
    public const string StateKey = "kohaku.train";
    private const string Prefix = "step-";
    private const string Extension = ".safetensors";

    public static string PathFor(string dir, long step) => Path.Combine(dir, $"{Prefix}{step:D8}{Extension}");

    // beforeTensor runs as each tensor is written: the fault-injection point for kill-during-write tests.
    public static string Write(string dir, TrainState state, IEnumerable<KeyValuePair<string, Tensor>> tensors, Action<string>? beforeTensor = null)
    {
        var path = PathFor(dir, state.Step);
        var entries = tensors.Select(kv => new SafeTensorEntry(kv.Key, SafeDTypes.FromScalarType(kv.Value.dtype), kv.Value.shape, () =>
        {
            beforeTensor?.Invoke(kv.Key);
            return kv.Value;
        }, DisposeAfterWrite: false)).ToList();
        var metadata = new Dictionary<string, string> { [StateKey] = JsonSerializer.Serialize(state, RunFile.Json) };
        SafeTensorsWriter.Write(path, entries, metadata);
        return path;
    }

    // Checkpoints in the folder, newest first (temp files of interrupted writes are not candidates).
    public static IReadOnlyList<(long Step, string Path)> List(string dir)
    {
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, $"{Prefix}*{Extension}")
            .Select(p => (Name: Path.GetFileNameWithoutExtension(p), Path: p))
            .Where(x => long.TryParse(x.Name[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(x => (long.Parse(x.Name[Prefix.Length..], CultureInfo.InvariantCulture), x.Path))
            .OrderByDescending(x => x.Item1)
            .ToList();
    }

    public static LoadedCheckpoint Read(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(StateKey, out var json))
            throw new InvalidDataException($"{path}: not a training checkpoint (metadata \"{StateKey}\" missing)");
        TrainState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainState>(json, RunFile.Json) ?? throw new InvalidDataException($"{path}: empty \"{StateKey}\"");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: \"{StateKey}\" is not valid: {e.Message}", e);
        }
        var tensors = file.Names.ToDictionary(n => n, n => file.Load(n));
        return new LoadedCheckpoint(path, state, tensors);
    }

    // Keeps the newest `keep` checkpoints.
    public static void Prune(string dir, int keep)
    {
        foreach (var (_, path) in List(dir).Skip(keep)) File.Delete(path);
    }
}

public sealed class LoadedCheckpoint(string path, TrainState state, Dictionary<string, Tensor> tensors) : IDisposable
{
    public string Path { get; } = path;
    public TrainState State { get; } = state;
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public IReadOnlyDictionary<string, Tensor> WithPrefix(string prefix) =>
        Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    public Tensor Require(string name) =>
        Tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{Path}: tensor \"{name}\" missing");

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
