using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Precision;

// torch.amp.GradScaler's dynamic loss scaling (torchsharp.md §4.2; kohya-sdxl.md §5.1), which
// TorchSharp lacks: the loss is multiplied by Scale before backward; the grads are unscaled and
// checked once per optimizer step; an inf/NaN skips the step and halves the scale, and every
// GrowthInterval clean steps in a row double it. Disabled (fp32/bf16) the scale stays 1 but
// non-finite gradients still skip the step.
public sealed class DynamicLossScaler
{
    public DynamicLossScaler(bool enabled, double initialScale = 65536, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        if (!(initialScale > 0)) throw new ArgumentOutOfRangeException(nameof(initialScale));
        if (!(growthFactor > 1)) throw new ArgumentOutOfRangeException(nameof(growthFactor), "growth factor must be > 1");
        if (!(backoffFactor > 0 && backoffFactor < 1)) throw new ArgumentOutOfRangeException(nameof(backoffFactor), "backoff factor must be in (0, 1)");
        if (growthInterval < 1) throw new ArgumentOutOfRangeException(nameof(growthInterval));
        Enabled = enabled;
        Scale = enabled ? initialScale : 1.0;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
    }

    public bool Enabled { get; }
    public double Scale { get; private set; }
    public double GrowthFactor { get; }
    public double BackoffFactor { get; }
    public int GrowthInterval { get; }
    public int GrowthTracker { get; private set; }
    public long SkippedSteps { get; private set; }

    public Tensor ScaleLoss(Tensor loss) => Enabled ? loss.Times(Scale) : loss.alias();

    // Divides every gradient by the scale and reports whether any is inf/NaN, with one host sync.
    public bool UnscaleAndCheck(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor? found = null;
        var inverse = 1.0 / Scale;
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            if (Enabled) Scalars.With(inverse, g.mul_);
            var bad = g.isfinite().logical_not().any();
            found = found is null ? bad : found.logical_or_(bad);
        }
        return found is not null && found.item<bool>();
    }

    // Call once per optimizer step with the outcome of UnscaleAndCheck.
    public void Update(bool foundNonFinite)
    {
        if (foundNonFinite)
        {
            SkippedSteps++;
            if (Enabled) Scale *= BackoffFactor;
            GrowthTracker = 0;
            return;
        }
        if (!Enabled) return;
        if (++GrowthTracker == GrowthInterval)
        {
            Scale *= GrowthFactor;
            GrowthTracker = 0;
        }
    }

    public LossScalerState Save() => new(Scale, GrowthTracker, SkippedSteps);

    public void Restore(LossScalerState state)
    {
        if (!(state.Scale > 0)) throw new InvalidDataException($"loss scaler state: scale {state.Scale} is not positive");
        Scale = state.Scale;
        GrowthTracker = state.GrowthTracker;
        SkippedSteps = state.SkippedSteps;
    }
}

public sealed record LossScalerState(double Scale, int GrowthTracker, long SkippedSteps);
