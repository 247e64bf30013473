using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Trainer;

// An exponential moving average of the trained weights, with diffusers EMAModel's schedule
// (research-trainer.md §4, use_ema_warmup off): after optimizer step k, n = k − startStep − 1;
// n ≤ 0 copies the weights (decay 0), otherwise decay = min(maxDecay, (1 + n)/(10 + n)), and
// e ← e + (1 − decay)·(p − e). The short-run ramp is why a sample run's EMA is usable at all:
// a fixed 0.9999 would still be 98 % the initial weights after 200 steps. Kept in fp32 beside the
// parameters, keyed as they are in checkpoints (ema.<key>), so a resume continues it bit-exactly.
public sealed class EmaWeights : IDisposable
{
    private readonly IReadOnlyList<(string Key, Parameter Parameter)> _parameters;
    private readonly Tensor[] _shadow;

    public EmaWeights(IReadOnlyList<(string Key, Parameter Parameter)> parameters, double maxDecay, long startStep)
    {
        _parameters = parameters;
        MaxDecay = maxDecay;
        StartStep = startStep;
        using var noGrad = no_grad();
        _shadow = parameters.Select(kp => kp.Parameter.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope()).ToArray();
    }

    public double MaxDecay { get; }
    public long StartStep { get; }

    public static double Decay(long step, double maxDecay, long startStep)
    {
        var n = step - startStep - 1;
        return n <= 0 ? 0 : Math.Min(maxDecay, (1.0 + n) / (10.0 + n));
    }

    // After optimizer step `step` (1-based, as the metrics count), skipped steps included as in diffusers.
    public void Update(long step)
    {
        var weight = 1 - Decay(step, MaxDecay, StartStep);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < _shadow.Length; i++)
        {
            var p = _parameters[i].Parameter.detach().to(ScalarType.Float32);
            var e = _shadow[i];
            // e + w·(p − e): diffusers' e − w·(e − p) with the sign moved inside, the same bits.
            var toward = Scalars.With(-1, minusOne => p.add(e, minusOne));
            Scalars.With(weight, w => e.add_(toward, w));
        }
    }

    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors() =>
        _parameters.Select((kp, i) => new KeyValuePair<string, Tensor>(kp.Key, _shadow[i]));

    // Reads the averages back from a checkpoint; lookup gives the tensor saved under a key, or null.
    public void Load(Func<string, Tensor?> lookup, string source)
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _shadow.Length; i++)
        {
            var key = _parameters[i].Key;
            var saved = lookup(key) ?? throw new InvalidDataException($"{source}: has no EMA weights (ema.{key}); it was written with train.ema off, so resume with ema off or start over with --overwrite");
            if (!saved.shape.SequenceEqual(_shadow[i].shape)) throw new InvalidDataException($"{source}: ema.{key} has shape [{string.Join(",", saved.shape)}], model has [{string.Join(",", _shadow[i].shape)}]");
            _shadow[i].copy_(saved);
        }
    }

    // The averages in the parameters until the result is disposed (previews, the EMA LoKr file):
    // the values are swapped tensor by tensor, so no second copy of every weight is held.
    public IDisposable SwappedIn()
    {
        Swap();
        return new Restore(this);
    }

    private void Swap()
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _shadow.Length; i++)
        {
            var p = _parameters[i].Parameter;
            using var held = p.detach().clone();
            p.copy_(_shadow[i]);
            _shadow[i].copy_(held);
        }
    }

    private sealed class Restore(EmaWeights ema) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            ema.Swap();
        }
    }

    public void Dispose()
    {
        foreach (var t in _shadow) t.Dispose();
    }
}
