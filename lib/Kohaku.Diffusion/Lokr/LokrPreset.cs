namespace Kohaku.Diffusion.Lokr;

// Which modules get a LoKr adapter and with what settings, as a LyCORIS preset TOML says it:
// target module classes (LyCORIS/diffusers class names; LokrNetwork maps our classes onto them),
// target names (Python re.match patterns on the module path inside the UNet, e.g.
// `output_blocks.0.0.in_layers.2`, not the lora name; they beat the classes, see LokrNetwork), a
// per-class `module_algo_map` and the network-wide defaults (network_args: algo, factor, dim, alpha,
// train_norm). LokrPresetToml writes and reads it as the TOML LyCORIS's `preset=` argument loads.
public sealed record LokrPreset(
    string Name,
    IReadOnlyList<string> UnetTargetModules,
    IReadOnlyList<string> UnetTargetNames,
    IReadOnlyList<string> TextEncoderTargetModules,
    IReadOnlyDictionary<string, LokrModuleConfig> ModuleAlgoMap,
    LokrModuleConfig Default,
    bool TrainNorm)
{
    // HF CLIP's attention under both class names: transformers releases between SDPA support and the
    // 4.48 attention rework name it CLIPSdpaAttention, which sd-scripts and LyCORIS's "full" list too.
    // Only CLIPAttention maps to a class here; the other keeps a preset's TOML whole under those releases.
    private static readonly string[] TextEncoderClasses = ["CLIPAttention", "CLIPSdpaAttention", "CLIPMLP"];

    // LyCORIS's default preset "full": its diffusers name targets (conv_in, time_embedding…) match
    // nothing in the SGM-named SDXL UNet, so only the classes count (1,052 modules on SDXL).
    public static readonly LokrPreset Full = new(
        "full",
        ["Transformer2DModel", "ResnetBlock2D", "Downsample2D", "Upsample2D"],
        ["conv_in", "conv_out", "time_embedding.linear_1", "time_embedding.linear_2"],
        TextEncoderClasses,
        new Dictionary<string, LokrModuleConfig>(),
        new LokrModuleConfig(Factor: 8, Dim: 10000, Alpha: 10000),
        TrainNorm: false);

    // Kohaku XL Δ, from its published docs/lyco_config.toml and train_script.sh (kohya-sdxl.md §7.2):
    // dim = alpha = 10000 everywhere, so every factor is a full matrix and scale is 1. The head is
    // written `out\..*`, not `out.*`: as a re.match pattern `out.*` also matches every path under
    // output_blocks, which LyCORIS 2.x (Δ's era) rejects ("duplicated lora name") and LyCORIS 3.x takes
    // by name at the default factor 8 (216,886,224 parameters, a 434 MB file). The published Δ LoKr
    // files (783 MB) only fit output_blocks at the class factors (attention 4, feed-forward 2), which is
    // what `out\..*` selects in both versions: 1,058 modules, 384,645,360 parameters with the norms.
    public static readonly LokrPreset KohakuXlDelta = new(
        "kohaku-xl-delta",
        ["Transformer2DModel", "ResnetBlock2D", "Downsample2D", "Upsample2D"],
        ["time_embed.*", "label_emb.*", "input_blocks.0.*", @"out\..*"],
        TextEncoderClasses,
        new Dictionary<string, LokrModuleConfig>
        {
            ["CrossAttention"] = new(Factor: 4, Dim: 10000, Alpha: 10000),
            ["FeedForward"] = new(Factor: 2, Dim: 10000, Alpha: 10000),
            ["CLIPAttention"] = new(Factor: 8, Dim: 10000, Alpha: 10000),
            ["CLIPMLP"] = new(Factor: 8, Dim: 10000, Alpha: 10000),
        },
        new LokrModuleConfig(Factor: 8, Dim: 10000, Alpha: 10000),
        TrainNorm: true);

    public static IReadOnlyList<LokrPreset> All { get; } = [Full, KohakuXlDelta];

    public static LokrPreset Named(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown LoKr preset \"{name}\"; known: {string.Join(", ", All.Select(p => p.Name))}", nameof(name));

    // The same preset with one factor for every module (the `--factor` override).
    public LokrPreset WithFactor(long factor) => this with
    {
        Default = Default with { Factor = factor },
        ModuleAlgoMap = ModuleAlgoMap.ToDictionary(kv => kv.Key, kv => kv.Value with { Factor = factor }),
    };
}
