namespace Kohaku.Diffusion.Lokr;

// Per-module LoKr settings, the keys of a LyCORIS `module_algo_map` entry. Dim ≥ half the larger
// w2 side (or FullMatrix) makes w2 a full matrix; with w1 full too, alpha is ignored and scale is 1.
public sealed record LokrModuleConfig(
    string Algorithm = "lokr",
    long Factor = 8,
    long Dim = 10000,
    double Alpha = 10000,
    bool FullMatrix = false,
    bool DecomposeBoth = false,
    bool UseTucker = false);
