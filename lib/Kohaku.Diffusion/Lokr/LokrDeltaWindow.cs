using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

// ΔW of LoKr modules built once for several forward/backward passes — the micro-batches of one
// optimizer step, between which the factors do not change. Open builds scale·kron(w1, w2) and gives
// each module a leaf to use as ΔW; the passes' backward sum their gradients into that leaf; Close
// turns the sum into factor gradients. Kron's backward is linear in the incoming gradient, so the
// factors get the same gradients as rebuilding ΔW in every pass, for one kron forward + backward
// per step instead of one per pass.
//
// On small models this work is per-op overhead, so it is batched: modules of the same factor layout
// are stacked into one kron, built without graph, and Close contracts the stacked ΔW gradients with
// the stacked operands in two batched matmuls that read the gradient in place, and writes full
// factors' .grad directly. Replaying kron's autograd graph instead (broadcast multiply and sum,
// stack, unsqueeze and accumulate nodes per module) cost three times as much on the tiny model.
public sealed class LokrDeltaWindow : IDisposable
{
    // Above this many ΔW elements a module keeps rebuilding ΔW in every pass: its kron is
    // arithmetic-bound (negligible next to its layer), and holding ΔW plus its gradient for a
    // whole step would cost two fp32 weight copies (gigabytes over a full-size SDXL UNet).
    public const long HeldElementLimit = 1 << 18;

    // One factor layout: ΔW[g] = scale·kron(W1[g], W2[g]) with W1 (n, a, b) and W2 (n, c, d·k1·k2),
    // the kron operands flattened to matrices (a 4-D w2 carries the kernel in its columns).
    private sealed record Group(List<LokrModule> Modules, Tensor W1, Tensor W2, double Scale, Tensor Built, List<Tensor> Leaves);

    private readonly List<Group> groups = [];

    private LokrDeltaWindow() { }

    public int HeldModules => groups.Sum(g => g.Modules.Count);

    // Batched krons per step: one per factor layout among the held modules.
    public int Groups => groups.Count;

    public static LokrDeltaWindow Open(IEnumerable<LokrModule> modules)
    {
        var window = new LokrDeltaWindow();
        var small = modules.Where(m => m.Shape.Weight.Aggregate(1L, (a, b) => a * b) <= HeldElementLimit);
        foreach (var layout in small.GroupBy(m => (string.Join(",", m.Shape.Weight), m.Shape.OutL, m.Shape.InM, m.Shape.Scale)))
        {
            var members = layout.ToList();
            var shape = members[0].Shape;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var operands = members.Select(m => m.KronOperands()).ToList();
            var w1 = stack(operands.Select(o => o.W1).ToArray());
            var w2 = stack(operands.Select(o => o.W2).ToArray());
            // out[g, i·c+p, j·r+q] = w1[g, i, j]·w2[g, p, q], viewed to the weight shape.
            var built = (w1.unsqueeze(2).unsqueeze(4) * w2.unsqueeze(1).unsqueeze(3)).reshape([members.Count, .. shape.Weight]);
            if (shape.Scale != 1.0) built = built.Times(shape.Scale);
            var leaves = built.unbind(0).ToList();
            // Per module: a frozen adapter (text encoders not trained) stacked with trained ones must
            // not make the passes backpropagate into its layers.
            for (var i = 0; i < members.Count; i++)
                if (members[i].Factors.Any(f => f.Tensor.requires_grad)) leaves[i].requires_grad_(true);
            window.groups.Add(new Group(members, w1.DetachFromDisposeScope(), w2.DetachFromDisposeScope(), shape.Scale,
                built.DetachFromDisposeScope(), leaves.Select(l => l.DetachFromDisposeScope()).ToList()));
            for (var i = 0; i < members.Count; i++) members[i].Hold(leaves[i]);
        }
        return window;
    }

    // Turns the gradients the passes left on the held ΔW into factor gradients and releases the modules.
    public void Close()
    {
        var viaGraph = new List<(Tensor Operand, Tensor Grad)>();
        using (var scope = NewDisposeScope())
        {
            var operandGrads = new List<(LokrModule Module, Tensor D1, Tensor D2)>();
            using (no_grad())
                foreach (var group in groups)
                {
                    var grads = group.Leaves.Select(l => l.grad).ToList();
                    // A module whose ΔW took no part in any pass keeps no gradient, as under autograd.
                    if (grads.All(x => x is null)) continue;
                    var stacked = stack(grads.Zip(group.Leaves, (x, l) => x ?? zeros_like(l)).ToArray());
                    var (n, a, b) = (group.W1.shape[0], group.W1.shape[1], group.W1.shape[2]);
                    var (c, r) = (group.W2.shape[1], group.W2.shape[2]);
                    // dw1[g, i, j] = scale·Σ_pq G[g, i, p, j, q]·w2[g, p, q] and dw2[g, p, q] = scale·Σ_ij G[g, i, p, j, q]·w1[g, i, j]:
                    // batched (b, r) matrix-vector products over G as it lies, then a sum.
                    var g = stacked.view(n, a, c, b, r);
                    var d1 = g.matmul(group.W2.view(n, 1, c, r, 1)).sum([2, 4]);
                    var d2 = group.W1.view(n, a, 1, 1, b).matmul(g).sum([1, 3]);
                    if (group.Scale != 1.0) { d1 = d1.Times(group.Scale); d2 = d2.Times(group.Scale); }
                    var (d1s, d2s) = (d1.unbind(0), d2.unbind(0));
                    for (var i = 0; i < group.Modules.Count; i++)
                        if (grads[i] is not null) operandGrads.Add((group.Modules[i], d1s[i], d2s[i]));
                }
            foreach (var (module, d1, d2) in operandGrads) module.AccumulateOperandGradients(d1, d2, viaGraph);
            // Factors that are products (low-rank, Tucker) take their gradient through their own small graph.
            if (viaGraph.Count > 0) autograd.backward(viaGraph.Select(v => v.Operand).ToList(), viaGraph.Select(v => v.Grad).ToList());
        }
        Dispose();
    }

    // Releases the modules (they rebuild ΔW per pass again) without touching the factors' gradients.
    public void Dispose()
    {
        foreach (var group in groups)
        {
            foreach (var m in group.Modules) m.Hold(null);
            foreach (var l in group.Leaves) l.Dispose();
            group.W1.Dispose();
            group.W2.Dispose();
            group.Built.Dispose();
        }
        groups.Clear();
    }
}
