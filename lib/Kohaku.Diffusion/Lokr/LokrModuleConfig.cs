namespace Kohaku.Diffusion.Lokr;

// Per-module LoKr settings, the keys of a LyCORIS `module_algo_map` entry. Dim ≥ half the larger
// w2 side (or FullMatrix) makes w2 a full matrix; with w1 full too, alpha is ignored and scale is 1.
// WeightDecompose makes the module DoKr (LyCORIS `weight_decompose`, DoRA's magnitude saved as
// `dora_scale`); WdOnOutput picks the axis the magnitude is taken along (LyCORIS `wd_on_output`).
public sealed record LokrModuleConfig(
    string Algorithm = "lokr",
    long Factor = 8,
    long Dim = 10000,
    double Alpha = 10000,
    bool FullMatrix = false,
    bool DecomposeBoth = false,
    bool UseTucker = false,
    bool WeightDecompose = false,
    bool WdOnOutput = true,
    // The preset entry names its own dim: LyCORIS then adapts k×k convs even with enable_conv = false.
    bool DimGiven = false);
