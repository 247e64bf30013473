using System.Text.RegularExpressions;
using Kohaku.Diffusion.Nn;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Sdxl.TextEncoders;
using Kohaku.Diffusion.Sdxl.Unet;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

public enum LokrPart { Unet, TextEncoder }

// One layer a preset targets: its LyCORIS name, the weight it changes, the factor its settings give and
// the factor layout, and what selected it: "class T" or "class T/C" (inside target class T, settings of
// T's or the nearer class C's module_algo_map entry) or "name P" (its module path matched pattern P).
public sealed record LokrTarget(string Name, LokrPart Part, LokrShape Shape, long Factor, string SelectedBy);

// The LoKr adapters of a preset attached to the SDXL UNet and text encoders, selected as LyCORIS 3.x's
// kohya network does it (lycoris/kohya.py create_modules), walking every module path of a model:
// - a path that matches a target name (Python re.match: anchored at the start only, on the module
//   path as named_modules gives it) takes that module alone with the network defaults, even if its
//   class is a target; the walk goes on below it, so each Linear/Conv/norm there is taken the same way;
// - otherwise a target class takes every Linear/Conv inside (per-class overrides from module_algo_map,
//   nearest enclosing class wins);
// - a layer taken twice (a target class inside a target class, or a name matching below a class that
//   took the layer) is LyCORIS's "duplicated lora name" assertion, and an error here too.
// The base models keep their own state_dict; each adapter sits in its layer's Delta slot.
public sealed class LokrNetwork : IDisposable
{
    // Our SDXL classes under the class names LyCORIS presets use (sd-scripts' SDXL UNet and HF CLIP).
    private static readonly Dictionary<string, string> LycorisClass = new()
    {
        [nameof(SpatialTransformer)] = "Transformer2DModel",
        [nameof(BasicTransformerBlock)] = "BasicTransformerBlock",
        [nameof(CrossAttention)] = "CrossAttention",
        [nameof(FeedForward)] = "FeedForward",
        [nameof(GEGLU)] = "GEGLU",
        [nameof(ResBlock)] = "ResnetBlock2D",
        [nameof(Downsample)] = "Downsample2D",
        [nameof(Sdxl.Unet.Upsample)] = "Upsample2D",
        [nameof(ClipAttention)] = "CLIPAttention",
        [nameof(OpenClipAttention)] = "CLIPAttention",
        [nameof(ClipMlp)] = "CLIPMLP",
        [nameof(OpenClipMlp)] = "CLIPMLP",
    };

    private readonly List<(LokrTarget Target, LokrModule Module, Action<IWeightDelta?> Attach)> modules = [];
    private readonly List<(LokrPart Part, LokrNorm Norm)> norms = [];

    private LokrNetwork(LokrPreset preset) => Preset = preset;

    public LokrPreset Preset { get; }

    public IReadOnlyList<LokrModule> Modules => modules.Select(m => m.Module).ToList();

    public IReadOnlyList<LokrTarget> Targets => modules.Select(m => m.Target).ToList();

    public IReadOnlyList<LokrNorm> Norms => norms.Select(n => n.Norm).ToList();

    public double Multiplier
    {
        get => modules.Count == 0 ? 1.0 : modules[0].Module.Multiplier;
        set { foreach (var m in modules) m.Module.Multiplier = value; }
    }

    // The layers a preset selects, without creating anything (`kohaku lokr plan`, counts on meta models).
    public static IReadOnlyList<LokrTarget> Plan(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrPreset preset) =>
        Discover(unet, te1, te2, preset).Where(f => f.Target is not null).Select(f => f.Target!).ToList();

    // Trainable size of a plan: LoKr factors plus, with train_norm, the norm weights and biases.
    public static long NormParameterCount(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrPreset preset) =>
        Discover(unet, te1, te2, preset).Where(f => f.Norm is not null).Sum(f => f.Norm!.Value.Parameters.Sum(p => p.numel()));

    public static IReadOnlyList<LokrTarget> Plan(SdxlModels models, LokrPreset preset) => Plan(models.Unet, models.Te1, models.Te2, preset);

    public static LokrNetwork Build(SdxlModels models, LokrConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        Build(models.Unet, models.Te1, models.Te2, config, device, dtype);

    // Builds the adapters (in `dtype` on `device`) and attaches them. Text encoders may be null (UNet only).
    // The config was validated where it entered (the run file, a verb's options, LokrTraining).
    public static LokrNetwork Build(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        return config.TrainTextEncoders
            ? Build(unet, te1, te2, config.ResolvePreset(), config.Multiplier, device, dtype)
            : Build(unet, null, null, config.ResolvePreset(), config.Multiplier, device, dtype);
    }

    public static LokrNetwork Build(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrPreset preset, double multiplier = 1.0, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var network = new LokrNetwork(preset);
        foreach (var found in Discover(unet, te1, te2, preset))
        {
            if (found.Target is { } target)
            {
                var module = new LokrModule(target.Name, target.Shape, device, dtype) { Multiplier = multiplier };
                found.Attach!(module);
                network.modules.Add((target, module, found.Attach));
            }
            else if (found.Norm is { } norm)
            {
                foreach (var p in norm.Parameters) p.requires_grad = true;
                network.norms.Add((found.Part, new LokrNorm(norm.Name, norm.Weight, norm.Bias)));
            }
        }
        return network;
    }

    public IEnumerable<Parameter> Parameters(LokrPart part) =>
        modules.Where(m => m.Target.Part == part).SelectMany(m => m.Module.parameters())
            .Concat(norms.Where(n => n.Part == part).SelectMany(n => n.Norm.Parameters));

    public IEnumerable<Parameter> UnetParameters => Parameters(LokrPart.Unet);

    public IEnumerable<Parameter> TextEncoderParameters => Parameters(LokrPart.TextEncoder);

    public long ParameterCount => Parameters(LokrPart.Unet).Concat(Parameters(LokrPart.TextEncoder)).Sum(p => p.numel());

    private LokrDeltaWindow? window;

    // One optimizer step's accumulation window over every adapter (see LokrDeltaWindow): BeginWindow
    // builds ΔW once, EndWindow pushes the window's summed ΔW gradients into the factors.
    public void BeginWindow()
    {
        window?.Dispose();
        window = LokrDeltaWindow.Open(modules.Select(m => m.Module));
    }

    public void EndWindow()
    {
        if (window is null) throw new InvalidOperationException("EndWindow without BeginWindow");
        window.Close();
        window = null;
    }

    // Takes every adapter out of its layer and puts trained norms back to the base values.
    public void Detach()
    {
        foreach (var (_, _, attach) in modules) attach(null);
        foreach (var (_, norm) in norms) norm.Restore();
    }

    public void Dispose()
    {
        window?.Dispose();
        window = null;
        Detach();
        foreach (var (_, module, _) in modules) module.Dispose();
        modules.Clear();
        norms.Clear();
    }

    private readonly record struct FoundNorm(string Name, Parameter Weight, Parameter? Bias)
    {
        public IEnumerable<Parameter> Parameters => Bias is null ? [Weight] : [Weight, Bias];
    }

    private sealed record Found(LokrPart Part, LokrTarget? Target, Action<IWeightDelta?>? Attach, FoundNorm? Norm);

    private static List<Found> Discover(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrPreset preset)
    {
        var found = new List<Found>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = preset.UnetTargetNames.Select(n => (n, new Regex("^(?:" + n + ")", RegexOptions.CultureInvariant))).ToList();
        Visit(unet, "", LokrPart.Unet, LokrNames.Unet, preset.UnetTargetModules, names, preset, seen, found);
        if (te1 is not null) Visit(te1, "", LokrPart.TextEncoder, LokrNames.Te1, preset.TextEncoderTargetModules, [], preset, seen, found);
        if (te2 is not null) Visit(te2, "", LokrPart.TextEncoder, LokrNames.Te2, preset.TextEncoderTargetModules, [], preset, seen, found);
        return found;
    }

    private static void Visit(nn.Module module, string path, LokrPart part, Func<string, string> name, IReadOnlyList<string> classes,
        IReadOnlyList<(string Pattern, Regex Regex)> targetNames, LokrPreset preset, HashSet<string> seen, List<Found> found)
    {
        var byName = targetNames.FirstOrDefault(t => t.Regex.IsMatch(path)).Pattern;
        if (byName is not null) Add(module, path, part, name, preset.Default, "name " + byName, preset, seen, found);
        else if (Kind(module) is { } kind && classes.Contains(kind))
            Descend(module, path, part, name, kind, preset.ModuleAlgoMap.GetValueOrDefault(kind, preset.Default), "class " + kind, preset, seen, found);
        foreach (var (child, sub) in module.named_children()) Visit(sub, Join(path, child), part, name, classes, targetNames, preset, seen, found);
    }

    private static void Descend(nn.Module module, string path, LokrPart part, Func<string, string> name, string target, LokrModuleConfig config,
        string selectedBy, LokrPreset preset, HashSet<string> seen, List<Found> found)
    {
        Add(module, path, part, name, config, selectedBy, preset, seen, found);
        foreach (var (child, sub) in module.named_children())
        {
            if (Kind(sub) is { } kind && preset.ModuleAlgoMap.TryGetValue(kind, out var own))
                Descend(sub, Join(path, child), part, name, target, own, $"class {target}/{kind}", preset, seen, found);
            else
                Descend(sub, Join(path, child), part, name, target, config, selectedBy, preset, seen, found);
        }
    }

    private static void Add(nn.Module module, string path, LokrPart part, Func<string, string> name, LokrModuleConfig config,
        string selectedBy, LokrPreset preset, HashSet<string> seen, List<Found> found)
    {
        void Claim(string loraName)
        {
            if (!seen.Add(loraName))
                throw new InvalidOperationException($"LoKr preset \"{preset.Name}\" takes {loraName} twice (LyCORIS: \"duplicated lora name\"); a target class or name also covers it");
        }
        void Target(string loraName, long[] weight, Action<IWeightDelta?> attach)
        {
            Claim(loraName);
            found.Add(new Found(part, new LokrTarget(loraName, part, LokrShape.Decide(weight, config), config.Factor, selectedBy), attach, null));
        }
        switch (module)
        {
            case AdaptableLinear linear:
                Target(name(path), linear.Weight.shape, d => linear.Delta = d);
                break;
            case AdaptableConv2d conv:
                Target(name(path), conv.Weight.shape, d => conv.Delta = d);
                break;
            case OpenClipAttention attention:
                // The fused in_proj_weight is three HF-named projections (q, k, v row thirds).
                var layer = int.Parse(path.Split('.')[^2], System.Globalization.CultureInfo.InvariantCulture);
                var third = new[] { attention.InProjWeight.shape[0] / 3, attention.InProjWeight.shape[1] };
                Target(LokrNames.Te2Qkv(layer, 'q'), third, d => attention.QDelta = d);
                Target(LokrNames.Te2Qkv(layer, 'k'), third, d => attention.KDelta = d);
                Target(LokrNames.Te2Qkv(layer, 'v'), third, d => attention.VDelta = d);
                break;
            case LayerNorm or GroupNorm32 when preset.TrainNorm:
                var weight = module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "weight").parameter;
                var bias = module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "bias").parameter;
                if (weight is null) break;
                Claim(name(path));
                found.Add(new Found(part, null, null, new FoundNorm(name(path), weight, bias)));
                break;
        }
    }

    private static string? Kind(nn.Module module) => LycorisClass.GetValueOrDefault(module.GetType().Name);

    private static string Join(string path, string child) => path.Length == 0 ? child : path + "." + child;
}
