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

    // What is wrong with a spec before any stage runs: a malformed tiny spec or a missing file.
    public static string? Problem(string runFile, string spec)
    {
        if (spec.StartsWith(TinyScheme, StringComparison.Ordinal))
            return IsTiny(spec, out _) ? null : $"\"{spec}\" is not tiny:SEED with a non-negative integer seed";
        var path = PathOf(runFile, spec);
        return File.Exists(path) ? null : $"file not found: {path}";
    }
}
