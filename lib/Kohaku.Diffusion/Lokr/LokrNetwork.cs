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
// - a path that matches a target name (Python re.match: anchored at the start only, or fnmatch, on the
//   module path as named_modules gives it; HF paths in the text encoders) takes that module alone, even
//   if its class is a target, with its name_algo_map entry (exact key, then the first matching key),
//   else its own class's (Linear, Conv2d) module_algo_map entry, else the network defaults; the walk
//   goes on below it, so each Linear/Conv/norm there is taken the same way;
// - otherwise a target class takes every Linear/Conv inside (per-class overrides from module_algo_map,
//   nearest enclosing class wins);
// - with enable_conv off, a k×k conv is taken only where its settings name a dim;
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
        // The layers themselves, for module_algo_map entries keyed by torch class (a name-taken layer's own).
        [nameof(AdaptableLinear)] = "Linear",
        [nameof(AdaptableConv2d)] = "Conv2d",
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
                // DoKr's magnitude starts at the base weight's norms (nothing to read on meta models).
                if (target.Shape.Dora != LokrDora.None && device?.type != DeviceType.META)
                    using (var weight = found.BaseWeight!())
                        if (weight.device_type != DeviceType.META) module.InitializeMagnitude(weight);
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

    // BaseWeight gives the weight a target changes (a view of it for a TE2 q/k/v third).
    private sealed record Found(LokrPart Part, LokrTarget? Target, Action<IWeightDelta?>? Attach, FoundNorm? Norm, Func<Tensor>? BaseWeight = null);

    // One model's walk: its lora names, its module paths as LyCORIS sees them (HF transformers paths for
    // TE2), and the target classes and names that apply to it.
    private sealed record Walk(LokrPart Part, Func<string, string> Name, Func<string, string> Path, IReadOnlyList<string> Classes,
        IReadOnlyList<(string Pattern, Regex Regex)> Names, LokrPreset Preset, HashSet<string> Seen, List<Found> Found);

    // A layer's settings and what chose them. Outer is the enclosing mapped class's choice: LyCORIS's
    // nested create_modules_ falls back to it when this one does not take the layer (a k×k conv with
    // enable_conv off and no dim in this entry).
    private sealed record Choice(LokrModuleConfig Config, string SelectedBy, Choice? Outer = null);

    private static List<Found> Discover(UNet unet, ClipTextModel? te1, OpenClipTextModel? te2, LokrPreset preset)
    {
        var found = new List<Found>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<(string, Regex)> Patterns(IEnumerable<string> names) => names.Select(n => (n, preset.Pattern(n))).ToList();
        var unetNames = Patterns(preset.UnetTargetNames);
        var teNames = Patterns(preset.TextEncoderTargetNames);
        Visit(unet, "", new Walk(LokrPart.Unet, LokrNames.Unet, p => p, preset.UnetTargetModules, unetNames, preset, seen, found));
        if (te1 is not null) Visit(te1, "", new Walk(LokrPart.TextEncoder, LokrNames.Te1, p => p, preset.TextEncoderTargetModules, teNames, preset, seen, found));
        if (te2 is not null) Visit(te2, "", new Walk(LokrPart.TextEncoder, LokrNames.Te2, LokrNames.Te2HfPath, preset.TextEncoderTargetModules, teNames, preset, seen, found));
        return found;
    }

    private static void Visit(nn.Module module, string path, Walk walk)
    {
        var hfPath = walk.Path(path);
        if (NameMatch(hfPath, walk) is { } pattern)
        {
            // HF's CLIPAttention is no layer itself: its q/k/v projections are matched one by one below.
            if (module is not OpenClipAttention) Add(module, path, ByName(hfPath, pattern, Kind(module), walk), walk);
        }
        else if (Kind(module) is { } kind && walk.Classes.Contains(kind))
            Descend(module, path, kind, new Choice(walk.Preset.ModuleAlgoMap.GetValueOrDefault(kind, walk.Preset.Default), "class " + kind), walk);
        if (module is OpenClipAttention attention)
            foreach (var which in "qkv")
                if (NameMatch($"{hfPath}.{which}_proj", walk) is { } p) AddThird(attention, path, which, ByName($"{hfPath}.{which}_proj", p, "Linear", walk), walk);
        foreach (var (child, sub) in module.named_children()) Visit(sub, Join(path, child), walk);
    }

    private static string? NameMatch(string path, Walk walk) => walk.Names.FirstOrDefault(t => t.Regex.IsMatch(path)).Pattern;

    // A layer taken by name gets its name_algo_map entry (an exact key, else the first key matching the
    // path), else its own class's module_algo_map entry (Linear, Conv2d), else the network's settings.
    private static Choice ByName(string path, string pattern, string? leafClass, Walk walk)
    {
        var preset = walk.Preset;
        var entry = preset.NameAlgoMap.FirstOrDefault(kv => kv.Key == path);
        if (entry.Key is null) entry = preset.NameAlgoMap.FirstOrDefault(kv => preset.Pattern(kv.Key).IsMatch(path));
        if (entry.Key is not null) return new Choice(entry.Value, $"name {pattern}, name_algo_map {entry.Key}");
        return leafClass is not null && preset.ModuleAlgoMap.TryGetValue(leafClass, out var own)
            ? new Choice(own, $"name {pattern}, {leafClass}") : new Choice(preset.Default, "name " + pattern);
    }

    private static void Descend(nn.Module module, string path, string target, Choice choice, Walk walk)
    {
        Add(module, path, choice, walk);
        foreach (var (child, sub) in module.named_children())
        {
            var inner = Kind(sub) is { } kind && walk.Preset.ModuleAlgoMap.TryGetValue(kind, out var own)
                ? new Choice(own, $"class {target}/{kind}", choice) : choice;
            Descend(sub, Join(path, child), target, inner, walk);
        }
    }

    private static void Add(nn.Module module, string path, Choice choice, Walk walk)
    {
        var preset = walk.Preset;
        switch (module)
        {
            case AdaptableLinear linear:
                Target(walk.Name(path), linear.Weight.shape, choice, d => linear.Delta = d, linear.Weight.alias, walk);
                break;
            // LyCORIS's create_single_module: with enable_conv off a k×k conv needs a dim from its entry.
            case AdaptableConv2d conv when conv.Weight.shape[2] == 1 || preset.EnableConv:
                Target(walk.Name(path), conv.Weight.shape, choice, d => conv.Delta = d, conv.Weight.alias, walk);
                break;
            case AdaptableConv2d conv:
                for (var c = choice; c is not null; c = c.Outer)
                    if (c.Config.DimGiven)
                    {
                        Target(walk.Name(path), conv.Weight.shape, c, d => conv.Delta = d, conv.Weight.alias, walk);
                        break;
                    }
                break;
            case OpenClipAttention attention:
                // Inside a target class HF's q/k/v Linear layers take a module_algo_map "Linear" entry.
                var projection = preset.ModuleAlgoMap.TryGetValue("Linear", out var own)
                    ? new Choice(own, choice.SelectedBy.Split('/')[0] + "/Linear", choice) : choice;
                foreach (var which in "qkv") AddThird(attention, path, which, projection, walk);
                break;
            case LayerNorm or GroupNorm32 when preset.TrainNorm:
                var weight = module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "weight").parameter;
                var bias = module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "bias").parameter;
                if (weight is null) break;
                Claim(walk.Name(path), walk);
                walk.Found.Add(new Found(walk.Part, null, null, new FoundNorm(walk.Name(path), weight, bias)));
                break;
        }
    }

    // One of TE2's q/k/v projections: a row third of the fused in_proj_weight, named as HF's Linear.
    private static void AddThird(OpenClipAttention attention, string path, char which, Choice choice, Walk walk)
    {
        var layer = int.Parse(path.Split('.')[^2], System.Globalization.CultureInfo.InvariantCulture);
        var third = new[] { attention.InProjWeight.shape[0] / 3, attention.InProjWeight.shape[1] };
        var index = "qkv".IndexOf(which, StringComparison.Ordinal);
        Action<IWeightDelta?> attach = which switch { 'q' => d => attention.QDelta = d, 'k' => d => attention.KDelta = d, _ => d => attention.VDelta = d };
        Target(LokrNames.Te2Qkv(layer, which), third, choice, attach, () => attention.InProjWeight.narrow(0, index * third[0], third[0]), walk);
    }

    private static void Target(string loraName, long[] weight, Choice choice, Action<IWeightDelta?> attach, Func<Tensor> baseWeight, Walk walk)
    {
        Claim(loraName, walk);
        walk.Found.Add(new Found(walk.Part, new LokrTarget(loraName, walk.Part, LokrShape.Decide(weight, choice.Config), choice.Config.Factor, choice.SelectedBy), attach, null, baseWeight));
    }

    private static void Claim(string loraName, Walk walk)
    {
        if (!walk.Seen.Add(loraName))
            throw new InvalidOperationException($"LoKr preset \"{walk.Preset.Name}\" takes {loraName} twice (LyCORIS: \"duplicated lora name\"); a target class or name also covers it");
    }

    private static string? Kind(nn.Module module) => LycorisClass.GetValueOrDefault(module.GetType().Name);

    private static string Join(string path, string child) => path.Length == 0 ? child : path + "." + child;
}
