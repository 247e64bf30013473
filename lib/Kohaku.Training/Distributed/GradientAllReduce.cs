using System.Runtime.InteropServices;
using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Distributed;

// Sums the trainable gradients of every rank, once per optimizer step, through one flat fp32 host
// buffer: each parameter's gradient, then one "had a gradient" count per parameter, so a parameter
// that no rank touched keeps no gradient (as in one process, where Lion then leaves it alone) and
// one that only some ranks touched gets the others' zeros added.
public sealed class GradientAllReduce : IDisposable
{
    // Sliced so that no span passed to MPI exceeds 1 GiB.
    private const long SliceElements = 1L << 28;

    private readonly ICommunicator _communicator;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly long[] _offsets;
    private readonly Tensor _flat;

    public GradientAllReduce(ICommunicator communicator, IReadOnlyList<Parameter> parameters)
    {
        _communicator = communicator;
        _parameters = parameters;
        _offsets = new long[parameters.Count + 1];
        for (var i = 0; i < parameters.Count; i++) _offsets[i + 1] = _offsets[i] + parameters[i].numel();
        _flat = zeros(_offsets[^1] + parameters.Count, ScalarType.Float32).DetachFromDisposeScope();
    }

    public long Elements => _flat.numel();

    public void Run()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _flat.zero_();
        var flags = _flat.narrow(0, _offsets[^1], _parameters.Count);
        for (var i = 0; i < _parameters.Count; i++)
        {
            if (_parameters[i].grad is not { } grad) continue;
            _flat.narrow(0, _offsets[i], _offsets[i + 1] - _offsets[i]).copy_(grad.flatten());
            Scalars.With(1.0, flags[i].fill_);
        }
        Reduce(_flat);
        var counts = flags.data<float>().ToArray();
        for (var i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i];
            if (counts[i] == 0)
            {
                p.grad = null;
                continue;
            }
            var summed = _flat.narrow(0, _offsets[i], _offsets[i + 1] - _offsets[i]).view(p.shape);
            if (p.grad is { } grad) grad.copy_(summed);
            else p.grad = summed.to(p.dtype, p.device, copy: true).DetachFromDisposeScope();
        }
    }

    private void Reduce(Tensor flat)
    {
        for (long start = 0; start < flat.numel(); start += SliceElements)
        {
            using var slice = flat.narrow(0, start, Math.Min(SliceElements, flat.numel() - start));
            _communicator.AllReduce(MemoryMarshal.Cast<byte, float>(slice.bytes), ReduceOp.Sum);
        }
    }

    public void Dispose() => _flat.Dispose();
}
