using Kohaku.Data.Config;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Merge;

// Run-file section "base": how the Δ base ("delta-pre2") is made. The card: Kohaku XL gamma rev2 and
// beta7, text-encoder token/position embeddings restored from the original SDXL, weighted sum 0.5/0.5.
// Paths are relative to the run file.
public sealed record BaseConfig : ISectionConfig
{
    public IReadOnlyList<string> Checkpoints { get; init; } = [];

    public IReadOnlyList<double> Weights { get; init; } = [0.5, 0.5];

    // The checkpoint whose TE embeddings are put back (null: keep the merged ones).
    public string? RestoreEmbeddingsFrom { get; init; }

    // fp16, bf16, fp32, or null to keep each tensor's dtype.
    public string? Dtype { get; init; } = "fp16";

    public SafeDType? OutputDtype => Dtype switch
    {
        null => null,
        "fp16" => SafeDType.F16,
        "bf16" => SafeDType.BF16,
        "fp32" => SafeDType.F32,
        _ => throw new ArgumentException($"base.dtype: \"{Dtype}\" must be fp16, bf16 or fp32"),
    };

    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (Checkpoints.Count < 2) errors.Add($"base.checkpoints: {Checkpoints.Count} given, a merge needs two or more");
        if (Weights.Count != Checkpoints.Count) errors.Add($"base.weights: {Weights.Count} weights for {Checkpoints.Count} checkpoints");
        if (Weights.Any(w => !double.IsFinite(w))) errors.Add("base.weights: every weight must be finite");
        if (Dtype is not (null or "fp16" or "bf16" or "fp32")) errors.Add($"base.dtype: \"{Dtype}\" must be fp16, bf16 or fp32");
        return errors;
    }

    public BaseConfig Validate() => SectionConfig.Validated(this, "base");

    // Paths made absolute against the run file's folder.
    // Paths made absolute against the run file; "tiny:SEED" entries are kept as they are (see CheckpointSource).
    public BaseConfig ResolvedAgainst(string runFile) => this with
    {
        Checkpoints = Checkpoints.Select(p => Resolve(runFile, p)).ToList(),
        RestoreEmbeddingsFrom = RestoreEmbeddingsFrom is null ? null : Resolve(runFile, RestoreEmbeddingsFrom),
    };

    // Every checkpoint as a file on disk, creating the tiny ones named "tiny:SEED" on first use.
    public BaseConfig Materialized(string runFile) => this with
    {
        Checkpoints = Checkpoints.Select(p => Sdxl.CheckpointSource.Materialize(runFile, p)).ToList(),
        RestoreEmbeddingsFrom = RestoreEmbeddingsFrom is null ? null : Sdxl.CheckpointSource.Materialize(runFile, RestoreEmbeddingsFrom),
    };

    // Missing files and malformed specs, checked before the first stage runs.
    public IReadOnlyList<string> FileProblems(string runFile) =>
        Checkpoints.Select((p, i) => (Field: $"base.checkpoints[{i}]", Spec: p))
            .Concat(RestoreEmbeddingsFrom is null ? [] : [("base.restoreEmbeddingsFrom", RestoreEmbeddingsFrom)])
            .Select(x => Sdxl.CheckpointSource.Problem(runFile, x.Spec) is { } problem ? $"{x.Field}: {problem}" : null)
            .OfType<string>()
            .ToList();

    private static string Resolve(string runFile, string spec) =>
        Sdxl.CheckpointSource.IsTiny(spec, out _) ? spec : Kohaku.Data.Config.RunFile.Resolve(runFile, spec);
}
