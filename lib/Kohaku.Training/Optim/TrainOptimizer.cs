using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// Base of the trainer's optimizers (Lion, Lion 8-bit, AdamW). TorchSharp's optimizers key state by
// native handle and serialise in their own format; here every state tensor is allocated up front,
// named "{group}.{index}.{slot}" and exposed as a flat dictionary, so a checkpoint stores and restores
// it byte for byte next to the adapter weights.
public abstract class TrainOptimizer : IDisposable
{
    private readonly List<Dictionary<string, Tensor>[]> _state = [];

    protected TrainOptimizer(IReadOnlyList<OptimizerGroup> groups)
    {
        if (groups.Count == 0) throw new ArgumentException("an optimizer needs at least one parameter group", nameof(groups));
        var names = new HashSet<string>();
        foreach (var g in groups)
            if (!names.Add(g.Name)) throw new ArgumentException($"duplicate parameter group name {g.Name}", nameof(groups));
        Groups = groups;
    }

    public IReadOnlyList<OptimizerGroup> Groups { get; }

    // Derived constructors call this once their own fields are set.
    protected void AllocateState()
    {
        foreach (var g in Groups)
        {
            var slots = new Dictionary<string, Tensor>[g.Parameters.Count];
            for (var i = 0; i < slots.Length; i++)
            {
                using var noGrad = no_grad();
                slots[i] = CreateState(g.Parameters[i]);
                foreach (var t in slots[i].Values) t.DetachFromDisposeScope();
            }
            _state.Add(slots);
        }
    }

    protected abstract Dictionary<string, Tensor> CreateState(Parameter p);

    // One update of p from its gradient at learning rate lr; runs under no_grad inside a dispose scope.
    protected abstract void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state, double lr);

    // Parameters without a gradient are left untouched (no weight decay either), as in bitsandbytes.
    public void Step()
    {
        using var noGrad = no_grad();
        for (var gi = 0; gi < Groups.Count; gi++)
        {
            var group = Groups[gi];
            for (var i = 0; i < group.Parameters.Count; i++)
            {
                using var scope = NewDisposeScope();
                var p = group.Parameters[i];
                var grad = p.grad;
                if (grad is null) continue;
                Update(p, grad, _state[gi][i], group.LearningRate);
            }
        }
    }

    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors()
    {
        for (var gi = 0; gi < Groups.Count; gi++)
            for (var i = 0; i < _state[gi].Length; i++)
                foreach (var (slot, t) in _state[gi][i])
                    yield return new($"{Groups[gi].Name}.{i}.{slot}", t);
    }

    // Restores every state tensor from a checkpoint; a missing key or a shape/dtype mismatch names the key.
    public void LoadState(IReadOnlyDictionary<string, Tensor> saved)
    {
        using var noGrad = no_grad();
        foreach (var (key, t) in StateTensors())
        {
            if (!saved.TryGetValue(key, out var src)) throw new InvalidDataException($"optimizer state {key} missing from checkpoint");
            if (src.dtype != t.dtype || !src.shape.SequenceEqual(t.shape))
                throw new InvalidDataException($"optimizer state {key}: checkpoint has {src.dtype}[{string.Join(",", src.shape)}], optimizer expects {t.dtype}[{string.Join(",", t.shape)}]");
            t.copy_(src);
        }
    }

    // Bytes of optimizer state (shared constants such as the quantization map excluded).
    public long StateBytes => StateTensors().Sum(kv => kv.Value.numel() * kv.Value.ElementSize);

    public long ParameterCount => Groups.Sum(g => g.ElementCount);

    // bitsandbytes' sgn: (x > 0) − (x < 0), so sign(0) = 0 and sign(NaN) = 0 (torch.sign(NaN) is NaN).
    protected static Tensor Sgn(Tensor x) => x.sign().nan_to_num_(0);

    public void Dispose()
    {
        foreach (var slots in _state)
            foreach (var d in slots)
                foreach (var t in d.Values) t.Dispose();
        _state.Clear();
        DisposeExtras();
        GC.SuppressFinalize(this);
    }

    // Native resources an optimizer holds beside its per-parameter state.
    protected virtual void DisposeExtras() { }
}
