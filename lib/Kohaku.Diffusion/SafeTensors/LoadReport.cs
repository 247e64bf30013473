namespace Kohaku.Diffusion.SafeTensors;

public sealed record ShapeMismatch(string Key, long[] Expected, long[] InFile)
{
    public override string ToString() => $"{Key}: module [{string.Join(", ", Expected)}], file [{string.Join(", ", InFile)}]";
}

// What StateDictLoader did, by full file key. Unexpected keys are reported but never fatal:
// fine-tunes carry marker tensors and extra buffers (sdxl-arch.md §10).
public sealed record LoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<ShapeMismatch> Mismatched,
    IReadOnlyList<string> OptionalMissing)
{
    private const int Listed = 20;

    public bool IsComplete => Missing.Count == 0 && Mismatched.Count == 0;

    public void ThrowIfIncomplete(string fileName)
    {
        if (IsComplete)
            return;
        var parts = new List<string>();
        if (Missing.Count > 0)
            parts.Add($"{Missing.Count} missing key(s): {List(Missing)}");
        if (Mismatched.Count > 0)
            parts.Add($"{Mismatched.Count} shape mismatch(es): {List(Mismatched.Select(m => m.ToString()).ToList())}");
        throw new InvalidDataException($"{fileName}: checkpoint does not fit the model: {string.Join("; ", parts)}");
    }

    private static string List(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(Listed)) + (items.Count > Listed ? $", … ({items.Count - Listed} more)" : "");
}
