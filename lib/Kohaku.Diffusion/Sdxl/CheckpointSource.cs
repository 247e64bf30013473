using System.Globalization;

namespace Kohaku.Diffusion.Sdxl;

// Where a run file's checkpoint comes from: a path (relative to the run file), or "tiny:SEED",
// a random-initialised tiny SDXL checkpoint made on first use under the run file's cache/ folder.
// The bundled sample names its base models that way, so nothing 40 MB large is committed and the
// notebooks stay the same for the sample and for real checkpoints.
public static class CheckpointSource
{
    public const string TinyScheme = "tiny:";

    public static bool IsTiny(string spec, out int seed)
    {
        seed = 0;
        return spec.StartsWith(TinyScheme, StringComparison.Ordinal)
            && int.TryParse(spec.AsSpan(TinyScheme.Length), NumberStyles.None, CultureInfo.InvariantCulture, out seed);
    }

    // The file the spec names; "tiny:SEED" maps to <run file folder>/cache/tiny-SEED.safetensors.
    public static string PathOf(string runFile, string spec) =>
        IsTiny(spec, out var seed)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runFile))!, "cache", $"tiny-{seed}.safetensors")
            : Kohaku.Data.Config.RunFile.Resolve(runFile, spec);

    // PathOf, making a tiny checkpoint first when it is not there yet (TinyCheckpoint writes atomically).
    public static string Materialize(string runFile, string spec)
    {
        var path = PathOf(runFile, spec);
        if (IsTiny(spec, out var seed) && !File.Exists(path)) TinyCheckpoint.Create(path, seed);
        return path;
    }

    // What is wrong with a spec before any stage runs: a malformed tiny spec, a missing file, or a file
    // whose header is not an SDXL checkpoint (damaged, a LoKr file, keys of the wrong shape). Only the
    // header is read, so this costs milliseconds even for a 7 GB file.
    public static string? Problem(string runFile, string spec)
    {
        if (spec.StartsWith(TinyScheme, StringComparison.Ordinal))
            return IsTiny(spec, out _) ? null : $"\"{spec}\" is not tiny:SEED with a non-negative integer seed";
        var path = PathOf(runFile, spec);
        if (!File.Exists(path)) return $"file not found: {path}";
        CheckpointSummary summary;
        try
        {
            summary = SdxlInspector.Inspect(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}";
        }
        if (summary.Architecture is null)
            return $"{path}: not a single-file SDXL checkpoint (no UNet, text encoder and VAE keys of a known size{(summary.UnknownKeys.Any(k => k.StartsWith("lora_", StringComparison.Ordinal)) ? "; it holds LoRA/LoKr keys: an adapter, not a base" : "")})";
        if (summary.Mismatched is [var first, ..])
            return $"{path}: {summary.Mismatched.Count} key(s) of the wrong shape for {summary.Architecture}, first {first}";
        return summary.MissingKeys is [var missing, ..] ? $"{path}: {summary.MissingKeys.Count} {summary.Architecture} key(s) missing, first {missing}" : null;
    }
}
