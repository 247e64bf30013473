using System.Collections.Concurrent;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Sdxl;

// Each architecture's key → shape table (what `inspect --arch` lists), and the check that the tools
// writing a checkpoint from others (merge, restore-embeddings, bake) run on their inputs first: a
// mis-shaped known key would otherwise be carried into an output no SDXL loader takes. Keys the table
// does not know (extra tensors, other model families) pass, as those tools copy them as they are.
public static class SdxlLayout
{
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, long[]>> Tables = new();

    private static readonly string[] Prefixes = [SdxlModels.UnetPrefix, SdxlModels.Te1Prefix, SdxlModels.Te2Prefix, SdxlModels.VaePrefix];

    public static IReadOnlyDictionary<string, long[]> Table(SdxlConfig config) =>
        Tables.GetOrAdd(config.Name, _ => SdxlInspector.ArchitectureKeys(config).ToDictionary(k => k.Key, k => k.Shape, StringComparer.Ordinal));

    // The architecture a checkpoint is checked against: the one SdxlCheckpoint.Detect finds from its probe
    // shapes, else (a probe itself mis-shaped or missing) the one whose table most of its keys fit, the
    // first preset on a tie; null when no key is under an SDXL component prefix.
    public static SdxlConfig? Architecture(IReadOnlyList<SafeTensorInfo> tensors)
    {
        if (SdxlCheckpoint.Detect(tensors) is { } detected) return detected;
        if (!tensors.Any(t => Prefixes.Any(p => t.Name.StartsWith(p, StringComparison.Ordinal)))) return null;
        return SdxlConfig.Presets.MaxBy(config =>
        {
            var table = Table(config);
            return tensors.Count(t => table.TryGetValue(t.Name, out var shape) && shape.SequenceEqual(t.Shape));
        });
    }

    // Throws on the first key whose shape differs from the table of the checkpoint's architecture.
    public static void Check(string path, IReadOnlyList<SafeTensorInfo> tensors)
    {
        if (Architecture(tensors) is not { } config) return;
        var table = Table(config);
        foreach (var t in tensors)
            if (table.TryGetValue(t.Name, out var expected) && !expected.SequenceEqual(t.Shape))
                throw new InvalidDataException($"{path}: '{t.Name}' has shape {t.ShapeText}, the {config.Name} layout expects [{string.Join(", ", expected)}]");
    }
}
