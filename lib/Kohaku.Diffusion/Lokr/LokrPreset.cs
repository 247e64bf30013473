using System.Text.RegularExpressions;

namespace Kohaku.Diffusion.Lokr;

// Which modules get a LoKr adapter and with what settings, as a LyCORIS preset TOML says it:
// target module classes (LyCORIS/diffusers class names; LokrNetwork maps our classes onto them),
// target names (Python re.match patterns on the module path inside the UNet, e.g.
// `output_blocks.0.0.in_layers.2`, not the lora name; they beat the classes, see LokrNetwork), a
// per-class `module_algo_map`, a per-name `name_algo_map` and the network-wide defaults (network_args:
// algo, factor, dim, alpha, train_norm). LokrPresetToml writes and reads it as the TOML LyCORIS's
// `preset=` argument loads; the built-ins are such files (data/presets/*.toml, embedded).
public sealed record LokrPreset(
    string Name,
    IReadOnlyList<string> UnetTargetModules,
    IReadOnlyList<string> UnetTargetNames,
    IReadOnlyList<string> TextEncoderTargetModules,
    IReadOnlyDictionary<string, LokrModuleConfig> ModuleAlgoMap,
    LokrModuleConfig Default,
    bool TrainNorm)
{
    // LyCORIS's other preset keys, at LyCORIS's defaults. Text encoder names are HF transformers paths
    // (`text_model.encoder.layers.3.mlp.fc1`) for both encoders, as sd-scripts' models name them.
    public IReadOnlyList<string> TextEncoderTargetNames { get; init; } = [];

    // In file order: LyCORIS takes an exact key first, then the first key that matches as a pattern.
    public IReadOnlyList<KeyValuePair<string, LokrModuleConfig>> NameAlgoMap { get; init; } = [];

    // false: k×k convs only where their entry names a dim (1×1 convs stay, as Linear layers).
    public bool EnableConv { get; init; } = true;

    // Target names and name_algo_map keys as shell patterns (whole path) instead of re.match.
    public bool UseFnmatch { get; init; }

    // The network_args of Kohaku XL Δ (factor 8, dim = alpha = 10000, train_norm on), which the
    // built-ins and preset files get; a preset TOML does not hold them.
    public static readonly LokrModuleConfig DeltaDefaults = new(Factor: 8, Dim: 10000, Alpha: 10000);

    // data/presets/full.toml: LyCORIS's default preset "full" (1,052 modules on SDXL), no norms.
    public static readonly LokrPreset Full = BuiltIn("full", trainNorm: false);

    // data/presets/kohaku-xl-delta.toml: Kohaku XL Δ as published (kohya-sdxl.md §7.2; the file says
    // why its head pattern is `out\..*`): 1,058 modules, 384,645,360 parameters with the norms.
    public static readonly LokrPreset KohakuXlDelta = BuiltIn("kohaku-xl-delta", trainNorm: true);

    public static IReadOnlyList<LokrPreset> All { get; } = [Full, KohakuXlDelta];

    public static LokrPreset Named(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown LoKr preset \"{name}\"; known: {string.Join(", ", All.Select(p => p.Name))}", nameof(name));

    // A LyCORIS preset TOML a user wrote or copied from data/presets, named after its file.
    public static LokrPreset FromFile(string path, LokrModuleConfig defaults, bool trainNorm)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"LoKr preset {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message)}", e);
        }
        return LokrPresetToml.Read(text, Path.GetFileNameWithoutExtension(path), defaults, trainNorm, $"LoKr preset {path}");
    }

    private static LokrPreset BuiltIn(string name, bool trainNorm)
    {
        var resource = $"Kohaku.Diffusion.Lokr.Presets.{name}.toml";
        using var stream = typeof(LokrPreset).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} (data/presets/{name}.toml) is not in Kohaku.Diffusion");
        using var reader = new StreamReader(stream);
        return LokrPresetToml.Read(reader.ReadToEnd(), name, DeltaDefaults, trainNorm, $"data/presets/{name}.toml");
    }

    // The same preset with one factor for every module (the `--factor` override).
    public LokrPreset WithFactor(long factor) => this with
    {
        Default = Default with { Factor = factor },
        ModuleAlgoMap = ModuleAlgoMap.ToDictionary(kv => kv.Key, kv => kv.Value with { Factor = factor }),
        NameAlgoMap = NameAlgoMap.Select(kv => KeyValuePair.Create(kv.Key, kv.Value with { Factor = factor })).ToList(),
    };

    // A target name or name_algo_map key as LyCORIS matches it against a module path: Python re.match
    // (anchored at the start only) or, with use_fnmatch, fnmatch (the whole path). .NET's regex syntax
    // agrees with Python's on what such patterns use (. * + ? [] () | and backslash escapes).
    public Regex Pattern(string pattern) =>
        new(UseFnmatch ? LokrPresetToml.FnmatchRegex(pattern) : "^(?:" + pattern + ")", RegexOptions.CultureInvariant);
}
