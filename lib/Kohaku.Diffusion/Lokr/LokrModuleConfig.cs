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
    bool UseTucker = false)
{
    public IEnumerable<string> Errors(string where)
    {
        if (Algorithm != "lokr") yield return $"{where}.algorithm: \"{Algorithm}\" is not supported (only \"lokr\")";
        if (Factor == 0 || Factor < -1) yield return $"{where}.factor: {Factor} must be -1 or positive";
        if (Dim <= 0) yield return $"{where}.dim: {Dim} must be positive";
        if (Alpha < 0 || double.IsNaN(Alpha)) yield return $"{where}.alpha: {Alpha} must be ≥ 0";
    }
}
