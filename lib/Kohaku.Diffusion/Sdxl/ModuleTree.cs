using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Sdxl;

// Walks a model with full checkpoint paths. TorchSharp's named_modules() leaves out the root
// (torchsharp.md §1.2), so the root is yielded first under the bare prefix.
public static class ModuleTree
{
    // prefix is a component prefix such as "model.diffusion_model." (empty for none).
    public static IEnumerable<(string Path, nn.Module Module)> Named(nn.Module root, string prefix = "")
    {
        yield return (prefix.TrimEnd('.'), root);
        foreach (var (name, module) in root.named_modules())
            yield return (prefix + name, module);
    }

    // Every AdaptableLinear/AdaptableConv2d, i.e. every layer LoKr may target, with its key path
    // (the weight key is Path + ".weight").
    public static IEnumerable<(string Path, nn.Module Module)> Adaptable(nn.Module root, string prefix = "") =>
        Named(root, prefix).Where(m => m.Module is AdaptableLinear or AdaptableConv2d);

    public static long ParameterCount(nn.Module root) => root.parameters().Sum(p => p.numel());
}
