using System.Globalization;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// One baked module: the LyCORIS name, the checkpoint tensor it changed and ‖strength·ΔW‖_F.
public sealed record BakedModule(string Name, string Key, double DeltaNorm);

// Bakes a LoKr file into a checkpoint: W' = W + strength·scale·kron(w1, w2), the scale applied once
// (as A1111/ComfyUI do; LyCORIS's own merge applies it twice when it is not 1, lycoris-lokr.md §10),
// w_norm/b_norm added to the norms, TE2 q/k/v into the thirds of in_proj_weight. Streamed tensor by
// tensor into a normal single-file checkpoint in the base's dtypes (or the one given).
// A DoKr module (dora_scale) bakes as W0 + strength·(V·m/(‖V‖+eps) - W0), V = W0 + scale·ΔW, the
// norm axis read from dora_scale's shape: LyCORIS's merge at strength 1, and the strength blend
// A1111 and ComfyUI use (LyCORIS blends from V instead of W0; research-trainer.md §1).
public static class LokrBake
{
    public static IReadOnlyList<BakedModule> Run(string checkpoint, string lokr, double strength, string output, SafeDType? dtype = null)
    {
        if (!double.IsFinite(strength)) throw new ArgumentException($"strength {strength} is not finite", nameof(strength));
        using var baseFile = CheckpointReader.Open(checkpoint);
        using var lokrFile = SafeTensorsFile.Open(lokr);
        var plan = Plan(baseFile, lokrFile);
        var baked = new List<BakedModule>();
        var entries = baseFile.Tensors.Select(info =>
        {
            var floatType = CheckpointSet.IsFloat(info.DType);
            return new SafeTensorEntry(info.Name, floatType ? dtype ?? info.DType : info.DType, info.Shape,
                () => plan.TryGetValue(info.Name, out var changes) ? Apply(baseFile, lokrFile, info, changes, strength, baked) : baseFile.Load(info.Name));
        });
        var metadata = new Dictionary<string, string>(baseFile.Metadata)
        {
            ["kohaku.baked_lokr"] = $"{Path.GetFileName(lokr)} × {strength.ToString(CultureInfo.InvariantCulture)}",
        };
        SafeTensorsWriter.Write(output, entries, metadata);
        return baked;
    }

    private sealed record Change(string Module, LokrShape? Shape, string? NormSuffix, int? Third);

    // Checks every module of the file against the checkpoint before anything is written.
    private static Dictionary<string, List<Change>> Plan(CheckpointReader baseFile, SafeTensorsFile lokrFile)
    {
        var keys = baseFile.Tensors.Select(t => t.Name).ToList();
        var weights = LokrNames.Targets(keys);
        var biases = LokrNames.Targets(keys, ".bias");
        var plan = new Dictionary<string, List<Change>>(StringComparer.Ordinal);
        void Add(string key, Change c)
        {
            if (!plan.TryGetValue(key, out var list)) plan[key] = list = [];
            list.Add(c);
        }
        foreach (var (name, group) in LokrFile.Modules(lokrFile))
        {
            if (!weights.TryGetValue(name, out var slot)) throw new InvalidDataException($"{lokrFile.Path}: module {name} has no target in {baseFile.Path}");
            if (group.ContainsKey("w_norm") || group.ContainsKey("b_norm"))
            {
                foreach (var (suffix, target) in new[] { ("w_norm", slot.Key), ("b_norm", biases.GetValueOrDefault(name).Key) })
                {
                    if (!group.TryGetValue(suffix, out var t)) continue;
                    if (target is null || !baseFile.Info(target).Shape.SequenceEqual(t.Shape))
                        throw new InvalidDataException($"{lokrFile.Path}: {name}.{suffix} [{string.Join(", ", t.Shape)}] does not fit {target ?? "(no bias)"} in {baseFile.Path}");
                    Add(target, new Change(name, null, suffix, null));
                }
                continue;
            }
            if (!group.Keys.Any(k => k.StartsWith("lokr_", StringComparison.Ordinal)))
                throw new InvalidDataException($"{lokrFile.Path}: module {name} is not LoKr (keys: {string.Join(", ", group.Keys)})");
            var weight = baseFile.Info(slot.Key).Shape.ToArray();
            if (slot.Third is not null) weight[0] /= 3;
            var alpha = LokrFile.Alpha(lokrFile, name);
            LokrShape shape;
            try
            {
                shape = LokrShape.FromTensors(name, weight, group.Where(kv => kv.Key != "alpha").ToDictionary(kv => kv.Key, kv => kv.Value.Shape), alpha);
            }
            catch (InvalidDataException e)
            {
                // FromTensors names the module and key only; the CLI prints this one line.
                throw new InvalidDataException($"{lokrFile.Path}: {e.Message} (target {slot.Key} in {baseFile.Path})", e);
            }
            Add(slot.Key, new Change(name, shape, null, slot.Third));
        }
        return plan;
    }

    private static Tensor Apply(CheckpointReader baseFile, SafeTensorsFile lokrFile, SafeTensorInfo info, List<Change> changes, double strength, List<BakedModule> baked)
    {
        using var scope = NewDisposeScope();
        var w = baseFile.Load(info.Name, ScalarType.Float32);
        foreach (var change in changes)
        {
            var region = change.Third is { } i ? w.narrow(0, i * (info.Shape[0] / 3), info.Shape[0] / 3) : w;
            var delta = change.Shape is { } shape ? Delta(lokrFile, change.Module, shape, region) : lokrFile.Load($"{change.Module}.{change.NormSuffix}", ScalarType.Float32);
            delta = delta.Times(strength);
            region.add_(delta, Scalars.One);
            baked.Add(new BakedModule(change.Module + (change.NormSuffix is { } s ? "." + s : ""), info.Name, delta.norm().item<float>()));
        }
        return w.MoveToOuterDisposeScope();
    }

    // W'-W0 at multiplier 1 from the file's tensors, through the same LokrModule the trainer uses:
    // scale·kron(w1, w2), or for DoKr V·m/(‖V‖+eps) - W0.
    private static Tensor Delta(SafeTensorsFile lokrFile, string name, LokrShape shape, Tensor weight)
    {
        using var module = new LokrModule(name, shape);
        using (no_grad())
            foreach (var (suffix, p) in module.Factors)
            {
                using var t = lokrFile.Load($"{name}.{suffix}", ScalarType.Float32);
                p.copy_(t);
            }
        using (no_grad()) return module.DeltaFor(weight);
    }
}
