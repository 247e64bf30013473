using Kohaku.Data.Config;
using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Lokr;

// Run-file section "lokr". Defaults are the Kohaku XL Δ run: its preset as published, strength 1,
// norms trained, both text encoders adapted, factors saved in fp16 (sd-scripts --save_precision fp16).
public sealed record LokrConfig : ISectionConfig
{
    public string Preset { get; init; } = LokrPreset.KohakuXlDelta.Name;

    // Replaces every factor of the preset when set (e.g. 8 for a ~100 MB file).
    public long? Factor { get; init; }

    public double Multiplier { get; init; } = 1.0;

    // null: the preset's own train_norm.
    public bool? TrainNorm { get; init; }

    public bool TrainTextEncoders { get; init; } = true;

    public string SaveDtype { get; init; } = "fp16";

    [System.Text.Json.Serialization.JsonIgnore]
    public SafeDType SaveSafeDType => SaveDtype switch
    {
        "bf16" => SafeDType.BF16,
        "fp32" => SafeDType.F32,
        _ => SafeDType.F16,
    };

    public LokrPreset ResolvePreset()
    {
        var preset = LokrPreset.Named(Preset);
        if (Factor is { } f) preset = preset.WithFactor(f);
        if (TrainNorm is { } n) preset = preset with { TrainNorm = n };
        return preset;
    }

    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (LokrPreset.All.All(p => p.Name != Preset))
            errors.Add($"lokr.preset: unknown \"{Preset}\" (known: {string.Join(", ", LokrPreset.All.Select(p => p.Name))})");
        if (Factor is { } f && (f == 0 || f < -1)) errors.Add($"lokr.factor: {f} must be -1 or positive");
        if (!double.IsFinite(Multiplier)) errors.Add($"lokr.multiplier: {Multiplier} must be finite");
        if (SaveDtype is not ("fp16" or "bf16" or "fp32")) errors.Add($"lokr.saveDtype: \"{SaveDtype}\" must be fp16, bf16 or fp32");
        return errors;
    }

    public LokrConfig Validate() => SectionConfig.Validated(this, "lokr");
}
