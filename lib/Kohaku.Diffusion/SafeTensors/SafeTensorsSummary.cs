namespace Kohaku.Diffusion.SafeTensors;

// A checkpoint at a glance, from the header alone: the figures sdxl-arch.md §1 gives for the real
// SDXL base file (2,515 tensors; namespaces model 1,680 / conditioner 587 / first_stage_model
// 248; ranks 0-4 = 1 / 1,442 / 949 / 0 / 123; 6,937,675,890 data bytes), so a file can be
// checked against them before any weight is read.
public sealed record SafeTensorsSummary(
    int TensorCount,
    long ElementCount,
    long DataBytes,
    IReadOnlyDictionary<string, int> ByNamespace,
    IReadOnlyDictionary<SafeDType, int> ByDType,
    IReadOnlyDictionary<int, int> ByRank,
    int MetadataKeys)
{
    public static SafeTensorsSummary Of(SafeTensorsFile file)
    {
        var tensors = file.Tensors;
        return new SafeTensorsSummary(
            tensors.Count,
            tensors.Sum(t => t.ElementCount),
            tensors.Sum(t => t.ByteCount),
            Count(tensors, t => t.Name.Split('.')[0]),
            Count(tensors, t => t.DType),
            Count(tensors, t => t.Shape.Length),
            file.Metadata.Count);
    }

    private static SortedDictionary<TKey, int> Count<TKey>(IEnumerable<SafeTensorInfo> tensors, Func<SafeTensorInfo, TKey> key)
        where TKey : notnull
    {
        var counts = new SortedDictionary<TKey, int>();
        foreach (var t in tensors)
            counts[key(t)] = counts.GetValueOrDefault(key(t)) + 1;
        return counts;
    }
}
