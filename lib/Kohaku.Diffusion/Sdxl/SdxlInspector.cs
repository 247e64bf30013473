using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Sdxl;

public sealed record ComponentSummary(string Name, string Prefix, int Keys, long Parameters, IReadOnlyDictionary<string, int> DTypes);

// What `kohaku inspect FILE` prints: per component its key count, element count and dtypes; the
// architecture the shapes fit; and, against that architecture, missing, mis-shaped and unknown keys.
public sealed record CheckpointSummary(
    string Path,
    IReadOnlyList<ComponentSummary> Components,
    string? Architecture,
    IReadOnlyList<string> UnknownKeys,
    IReadOnlyList<string> MissingKeys,
    IReadOnlyList<ShapeMismatch> Mismatched);

public static class SdxlInspector
{
    private static readonly (string Name, string Prefix)[] Parts =
        [("unet", SdxlModels.UnetPrefix), ("te1", SdxlModels.Te1Prefix), ("te2", SdxlModels.Te2Prefix), ("vae", SdxlModels.VaePrefix)];

    public static CheckpointSummary Inspect(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        var components = Parts.Select(p =>
        {
            var infos = file.Tensors.Where(t => t.Name.StartsWith(p.Prefix, StringComparison.Ordinal)).ToList();
            var dtypes = infos.GroupBy(t => t.DType.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
            return new ComponentSummary(p.Name, p.Prefix, infos.Count, infos.Sum(t => t.ElementCount), dtypes);
        }).ToList();

        var config = SdxlCheckpoint.Detect(file);
        if (config is null)
        {
            var outside = file.Tensors.Select(t => t.Name).Where(n => !Parts.Any(p => n.StartsWith(p.Prefix, StringComparison.Ordinal))).ToList();
            return new CheckpointSummary(path, components, null, outside, [], []);
        }
        var expected = SdxlLayout.Table(config);
        var unknown = file.Tensors.Select(t => t.Name).Where(n => !expected.ContainsKey(n)).ToList();
        var missing = expected.Keys.Where(k => !file.Contains(k) && !SdxlModels.OptionalKeys.Contains(k)).ToList();
        var mismatched = expected.Where(e => file.Contains(e.Key) && !file.Info(e.Key).Shape.SequenceEqual(e.Value))
            .Select(e => new ShapeMismatch(e.Key, e.Value, file.Info(e.Key).Shape)).ToList();
        return new CheckpointSummary(path, components, config.Name, unknown, missing, mismatched);
    }

    // Per component key and parameter counts of an architecture alone (meta build; dtype F32).
    public static IReadOnlyList<ComponentSummary> Summarize(SdxlConfig config)
    {
        using var models = SdxlModels.CreateOnMeta(config);
        return models.Components().Zip(Parts, (c, p) =>
        {
            var dict = c.Module.state_dict();
            return new ComponentSummary(p.Name, c.Prefix, dict.Count, ModuleTree.ParameterCount(c.Module),
                dict.Values.GroupBy(t => t.dtype.ToString()).ToDictionary(g => g.Key, g => g.Count()));
        }).ToList();
    }

    // Every key and shape of an architecture, from a meta-device build (no weights allocated).
    public static IReadOnlyList<(string Key, long[] Shape)> ArchitectureKeys(SdxlConfig config)
    {
        using var models = SdxlModels.CreateOnMeta(config);
        return models.StateDict().Select(k => (k.Key, k.Tensor.shape)).ToList();
    }
}
