using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.SafeTensors;

// Fills a module's parameters and persistent buffers from a safetensors file, tensor by tensor:
// shapes are compared first (load_state_dict would broadcast a [1,n] source silently,
// torchsharp.md §1.4), then each value is read from the mapping, converted and copied in place.
// The module must already live on a real device (CPU or CUDA): copying into meta tensors is a
// silent no-op in TorchSharp, so build on CPU/CUDA (or materialise the meta model) first.
public static class StateDictLoader
{
    // Keys a checkpoint may lack without harm (sdxl-arch.md §10): TE position_ids (transformers
    // made it non-persistent, kohya saves without it) and OpenCLIP's unused logit_scale.
    public static readonly IReadOnlySet<string> DefaultOptionalSuffixes = new HashSet<string>(StringComparer.Ordinal) { "position_ids", "logit_scale" };

    // optionalKeys: module state-dict names (without keyPrefix) that may be absent from the file;
    // null means every name whose last segment is in DefaultOptionalSuffixes.
    // dtype: for floating targets, the dtype the file values are converted to before the copy
    // (null: the target's own dtype); integer and bool targets always take their own dtype.
    public static LoadReport Load(nn.Module module, SafeTensorsFile file, string keyPrefix, ISet<string>? optionalKeys = null, ScalarType? dtype = null)
    {
        var loaded = new List<string>();
        var missing = new List<string>();
        var optionalMissing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var targets = module.state_dict();
        var onMeta = targets.FirstOrDefault(kv => kv.Value.device_type == DeviceType.META);
        if (onMeta.Value is not null)
            throw new InvalidOperationException(
                $"{file.Path}: cannot load into '{onMeta.Key}', which is on the meta device; build the module on CPU or CUDA first");
        using (no_grad())
        {
            foreach (var (name, target) in targets)
            {
                var key = keyPrefix + name;
                expected.Add(key);
                if (!file.Contains(key))
                {
                    (IsOptional(name, optionalKeys) ? optionalMissing : missing).Add(key);
                    continue;
                }
                var info = file.Info(key);
                if (!info.Shape.SequenceEqual(target.shape))
                {
                    mismatched.Add(new ShapeMismatch(key, target.shape, info.Shape));
                    continue;
                }
                var loadType = dtype is { } d && target.is_floating_point() ? d : target.dtype;
                using var value = file.Load(key, loadType, target.device);
                // copy_ returns the target itself (not an alias): disposing it would free the parameter.
                target.copy_(value);
                loaded.Add(key);
            }
        }
        var unexpected = file.Tensors.Select(t => t.Name).Where(n => n.StartsWith(keyPrefix, StringComparison.Ordinal) && !expected.Contains(n)).ToList();
        return new LoadReport(loaded, missing, unexpected, mismatched, optionalMissing);
    }

    private static bool IsOptional(string name, ISet<string>? optionalKeys) =>
        optionalKeys?.Contains(name) ?? DefaultOptionalSuffixes.Contains(name[(name.LastIndexOf('.') + 1)..]);
}
