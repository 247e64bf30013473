using Kohaku.Data.Config;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Lokr;

// Run-file section "lokr". Defaults are the Kohaku XL Δ run: its preset as published, strength 1,
// norms trained, both text encoders adapted, factors saved in fp16 (sd-scripts --save_precision fp16).
public sealed record LokrConfig : ISectionConfig
{
    // A built-in name (LokrPreset.All) or the path of a LyCORIS preset .toml, relative to the run file.
    public string Preset { get; init; } = LokrPreset.KohakuXlDelta.Name;

    // Replaces every factor of the preset when set (e.g. 8 for a ~100 MB file).
    public long? Factor { get; init; }

    public double Multiplier { get; init; } = 1.0;

    // null: the preset's own train_norm.
    public bool? TrainNorm { get; init; }

    public bool TrainTextEncoders { get; init; } = true;

    // DoKr for the whole network (kohya network_args dora_wd / wd_on_output, LyCORIS weight_decompose).
    public bool WeightDecompose { get; init; }

    public bool WdOnOutput { get; init; } = true;

    public string SaveDtype { get; init; } = "fp16";

    [System.Text.Json.Serialization.JsonIgnore]
    public SafeDType SaveSafeDType => SaveDtype switch
    {
        "bf16" => SafeDType.BF16,
        "fp32" => SafeDType.F32,
        _ => SafeDType.F16,
    };

    // The section with a preset file's path made absolute (the ranks of a multi-process run read a
    // run file written elsewhere).
    public static LokrConfig Load(string runFile)
    {
        var config = RunFile.LoadSection<LokrConfig>(runFile, "lokr");
        return config.PresetIsFile ? config with { Preset = RunFile.Resolve(runFile, config.Preset) } : config;
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool PresetIsFile => LokrPreset.All.All(p => p.Name != Preset) && Preset.EndsWith(".toml", StringComparison.OrdinalIgnoreCase);

    // A preset file gets Δ's network_args, like the built-ins; Factor and TrainNorm override them.
    public LokrPreset ResolvePreset()
    {
        var preset = PresetIsFile ? LokrPreset.FromFile(Preset, LokrPreset.DeltaDefaults, LokrPreset.KohakuXlDelta.TrainNorm) : LokrPreset.Named(Preset);
        if (Factor is { } f) preset = preset.WithFactor(f);
        if (TrainNorm is { } n) preset = preset with { TrainNorm = n };
        return WithDecompose(preset);
    }

    // Network-wide DoKr settings go to every module as LyCORIS network kwargs do, except map entries
    // that say otherwise: those whose own settings differ from the preset's defaults.
    private LokrPreset WithDecompose(LokrPreset preset)
    {
        var d = preset.Default;
        LokrModuleConfig Apply(LokrModuleConfig c) =>
            c.WeightDecompose == d.WeightDecompose && c.WdOnOutput == d.WdOnOutput ? c with { WeightDecompose = WeightDecompose, WdOnOutput = WdOnOutput } : c;
        return preset with
        {
            Default = Apply(d),
            ModuleAlgoMap = preset.ModuleAlgoMap.ToDictionary(kv => kv.Key, kv => Apply(kv.Value)),
            NameAlgoMap = preset.NameAlgoMap.Select(kv => KeyValuePair.Create(kv.Key, Apply(kv.Value))).ToList(),
        };
    }

    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (PresetIsFile && PresetFileProblem() is { } problem) errors.Add($"lokr.preset: {problem}");
        else if (!PresetIsFile && LokrPreset.All.All(p => p.Name != Preset))
            errors.Add($"lokr.preset: unknown \"{Preset}\" (known: {string.Join(", ", LokrPreset.All.Select(p => p.Name))}, or a LyCORIS preset .toml file)");
        if (Factor is { } f && (f == 0 || f < -1)) errors.Add($"lokr.factor: {f} must be -1 or positive");
        if (!double.IsFinite(Multiplier)) errors.Add($"lokr.multiplier: {Multiplier} must be finite");
        if (SaveDtype is not ("fp16" or "bf16" or "fp32")) errors.Add($"lokr.saveDtype: \"{SaveDtype}\" must be fp16, bf16 or fp32");
        return errors;
    }

    // A missing, unreadable or bad preset file, in one line that names it.
    private string? PresetFileProblem()
    {
        try
        {
            ResolvePreset();
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            return e.Message;
        }
    }

    public LokrConfig Validate() => SectionConfig.Validated(this, "lokr");
}
