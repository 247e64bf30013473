using Kohaku.Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Loss;

// Min-SNR-γ loss weights (kohya-sdxl.md §4, research-trainer.md §3): ε-prediction
// w(t) = min(SNR(t), γ) / SNR(t); v-prediction, as kohya's apply_snr_weight, min(SNR(t), γ) / (SNR(t) + 1)
// (= ᾱ_t where SNR < γ). Low-noise timesteps (huge SNR) are damped so they stop dominating the
// gradient; for ε t ≥ 147 keeps weight 1 at γ = 5. The table is built once from the given schedule.
public sealed class MinSnrWeight
{
    private readonly float[] _weights;

    public MinSnrWeight(NoiseSchedule schedule, double gamma, Prediction prediction = Prediction.Epsilon)
    {
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "min-SNR gamma must be > 0");
        _weights = new float[schedule.Steps];
        for (var t = 0; t < schedule.Steps; t++)
        {
            var snr = schedule.Snr(t);
            _weights[t] = (float)(Math.Min(snr, gamma) / (prediction == Prediction.V ? snr + 1 : snr));
        }
    }

    public double At(int timestep) => _weights[timestep];

    // The table as a tensor on each device asked for, copied there once rather than every micro-batch.
    // Keyed by type and index: TorchSharp's Device compares by reference and .device makes a new one.
    private readonly Dictionary<(DeviceType, int), Tensor> _tables = [];

    // Per-sample weights [B] (fp32, on the timesteps' device) for integer timesteps [B].
    public Tensor For(Tensor timesteps)
    {
        var key = (timesteps.device_type, timesteps.device_index);
        if (!_tables.TryGetValue(key, out var table))
            _tables[key] = table = tensor(_weights, device: timesteps.device).DetachFromDisposeScope();
        return table.index_select(0, timesteps.to(ScalarType.Int64));
    }
}
