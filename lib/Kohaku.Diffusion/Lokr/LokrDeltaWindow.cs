using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

// ΔW of LoKr modules built once for several forward/backward passes — the micro-batches of one
// optimizer step, between which the factors do not change. Open builds scale·kron(w1, w2) with its
// graph to the factors and gives each module a detached leaf to use as ΔW; the passes' backward
// sum their gradients into that leaf; Close pushes the sum through one kron backward into the
// factors. Kron's backward is linear in the incoming gradient, so the factors get the same
// gradients as rebuilding ΔW in every pass, for 1 kron forward + backward per step instead of one
// per pass. Modules of the same factor layout are stacked and built with one batched kron: on
// small models the rebuild cost is per-op overhead, not arithmetic.
public sealed class LokrDeltaWindow : IDisposable
{
    // Above this many ΔW elements a module keeps rebuilding ΔW in every pass: its kron is
    // arithmetic-bound (negligible next to its layer), and holding ΔW plus its gradient for a
    // whole step would cost two fp32 weight copies (gigabytes over a full-size SDXL UNet).
    public const long HeldElementLimit = 1 << 18;

    private readonly List<(List<LokrModule> Modules, Tensor Built, List<Tensor> Leaves)> groups = [];

    private LokrDeltaWindow() { }

    public int HeldModules => groups.Sum(g => g.Modules.Count);

    // Batched krons per step: one per factor layout among the held modules.
    public int Groups => groups.Count;

    public static LokrDeltaWindow Open(IEnumerable<LokrModule> modules)
    {
        var window = new LokrDeltaWindow();
        var small = modules.Where(m => m.Shape.Weight.Aggregate(1L, (a, b) => a * b) <= HeldElementLimit);
        foreach (var group in small.GroupBy(m => (string.Join(",", m.Shape.Weight), m.Shape.OutL, m.Shape.InM, m.Shape.Scale)))
        {
            var members = group.ToList();
            using var scope = NewDisposeScope();
            var factors = members.Select(m => m.KronFactors()).ToList();
            // kron per stacked module: out[g, i·c+p, j·d+q, …] = w1[g, i, j, …]·w2[g, p, q, …].
            var w1 = stack(factors.Select(f => f.W1).ToArray()).unsqueeze(2).unsqueeze(4);
            var w2 = stack(factors.Select(f => f.W2).ToArray()).unsqueeze(1).unsqueeze(3);
            var built = (w1 * w2).reshape([members.Count, .. members[0].Shape.Weight]);
            if (members[0].Shape.Scale != 1.0) built = built.Times(members[0].Shape.Scale);
            // One leaf per module (views of the built values), so each pass's gradient lands in its
            // own module's leaf instead of being scattered into a group-sized tensor.
            var leaves = built.detach().unbind(0).Select(v => v.requires_grad_(built.requires_grad).DetachFromDisposeScope()).ToList();
            window.groups.Add((members, built.DetachFromDisposeScope(), leaves));
            for (var i = 0; i < members.Count; i++) members[i].Hold(leaves[i]);
        }
        return window;
    }

    // Pushes the gradients the passes left on the held ΔW into the factors and releases the modules.
    public void Close()
    {
        using (NewDisposeScope())
            foreach (var (_, built, leaves) in groups)
            {
                var grads = leaves.Select(l => l.grad).ToList();
                if (grads.All(g => g is null)) continue;
                built.backward([stack(grads.Zip(leaves, (g, l) => g ?? zeros_like(l)).ToArray())]);
            }
        Dispose();
    }

    // Releases the modules (they rebuild ΔW per pass again) without touching the factors' gradients.
    public void Dispose()
    {
        foreach (var (modules, built, leaves) in groups)
        {
            foreach (var m in modules) m.Hold(null);
            foreach (var l in leaves) l.Dispose();
            built.Dispose();
        }
        groups.Clear();
    }
}
