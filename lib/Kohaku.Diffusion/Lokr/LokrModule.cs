using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

// One LoKr adapter: ΔW = scale·kron(w1, w2) viewed to the target weight (lycoris-lokr.md §1).
// Parameter names are the saved key suffixes, so `<Name>.<parameter>` is the file key.
// Attached to an AdaptableLinear/AdaptableConv2d (or a TE2 q/k/v slot) as its IWeightDelta.
// DoKr (Shape.Dora set) adds `dora_scale`, DoRA's magnitude m, and turns ΔW into W'-W0 with
// W' = V·m/(‖V‖+eps), V = W0 + ΔW, as LyCORIS's rebuild forward does (research-trainer.md §1).
public sealed class LokrModule : nn.Module<Tensor, Tensor>, IWeightDelta
{
    private readonly Parameter? dora_scale, lokr_w1, lokr_w1_a, lokr_w1_b, lokr_w2, lokr_w2_a, lokr_w2_b, lokr_t2;

    public LokrModule(string name, LokrShape shape, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(name)
    {
        Shape = shape;
        var onMeta = device?.type == DeviceType.META;
        foreach (var (suffix, dims) in shape.Tensors)
        {
            var p = new Parameter(empty(dims, dtype, device));
            // w2 (or w2_b) starts at zero so ΔW is zero; the other factors get Kaiming-uniform(a=√5) (§5).
            // dora_scale holds 1 until InitializeMagnitude (or a file) gives it the base weight's norms.
            if (!onMeta)
                using (no_grad())
                {
                    if (suffix is "lokr_w2" or "lokr_w2_b") p.zero_();
                    else if (suffix is "dora_scale") p.fill_(Scalars.One);
                    else nn.init.kaiming_uniform_(p, a: Math.Sqrt(5));
                }
            switch (suffix)
            {
                case "dora_scale": dora_scale = p; break;
                case "lokr_w1": lokr_w1 = p; break;
                case "lokr_w1_a": lokr_w1_a = p; break;
                case "lokr_w1_b": lokr_w1_b = p; break;
                case "lokr_w2": lokr_w2 = p; break;
                case "lokr_w2_a": lokr_w2_a = p; break;
                case "lokr_w2_b": lokr_w2_b = p; break;
                case "lokr_t2": lokr_t2 = p; break;
            }
        }
        RegisterComponents();
    }

    public LokrShape Shape { get; }

    // The strength ΔW is applied with (LyCORIS `multiplier`), 1 for training.
    public double Multiplier { get; set; } = 1.0;

    // scale·kron(w1, w2) in the factors' dtype, shaped like the target weight; the caller disposes it.
    public Tensor Kron()
    {
        using var scope = NewDisposeScope();
        var (w1, w2) = KronFactors();
        var delta = kron(w1, w2);
        if (!delta.shape.SequenceEqual(Shape.Weight)) delta = delta.reshape(Shape.Weight);
        if (Shape.Scale != 1.0) delta = delta.Times(Shape.Scale);
        return delta.MoveToOuterDisposeScope();
    }

    // The two kron operands, with graph to the parameters, in the current dispose scope.
    internal (Tensor W1, Tensor W2) KronFactors()
    {
        var w1 = lokr_w1 ?? lokr_w1_a!.mm(lokr_w1_b!);
        var w2 = Shape.W2 switch
        {
            LokrW2.Full => (Tensor)lokr_w2!,
            LokrW2.LowRank => lokr_w2_a!.mm(lokr_w2_b!),
            // w2[p, q, ...] = Σ_ij t2[i, j, ...]·w2_a[i, p]·w2_b[j, q]. einsum may hand back a permuted
            // view, which kron's internal view rejects ("view size is not compatible"): made contiguous
            // as LyCORIS and A1111 do before their kron.
            _ => einsum("ijkl,ip,jr->prkl", lokr_t2!, lokr_w2_a!, lokr_w2_b!).contiguous(),
        };
        // A 4-D w2 gets w1 with trailing singleton dims, so kron keeps the kernel of w2 (§1).
        while (w1.dim() < w2.dim()) w1 = w1.unsqueeze(-1);
        return (w1, w2);
    }

    // The kron operands as matrices, w1 (OutL, InM) and w2 (OutK, InN·k1·k2): what LokrDeltaWindow
    // stacks (under no_grad; Close brings their gradients back through AccumulateOperandGradients).
    internal (Tensor W1, Tensor W2) KronOperands()
    {
        var (w1, w2) = KronFactors();
        return (w1.reshape(Shape.OutL, Shape.InM), w2.reshape(Shape.OutK, -1));
    }

    // Adds the gradients of the kron operands (shaped as KronOperands) to the factors: straight into
    // .grad for a full factor, or queued for one autograd pass through the product that forms it.
    internal void AccumulateOperandGradients(Tensor dW1, Tensor dW2, List<(Tensor Operand, Tensor Grad)> viaGraph)
    {
        if (lokr_w1 is not null) Accumulate(lokr_w1, dW1);
        if (Shape.W2 == LokrW2.Full) Accumulate(lokr_w2!, dW2);
        if (lokr_w1 is null || Shape.W2 != LokrW2.Full)
        {
            var (w1, w2) = KronFactors();
            if (lokr_w1 is null) viaGraph.Add((w1, dW1.view(w1.shape)));
            if (Shape.W2 != LokrW2.Full) viaGraph.Add((w2, dW2.view(w2.shape)));
        }
    }

    private static void Accumulate(Parameter p, Tensor grad)
    {
        if (!p.requires_grad) return;
        using var g = p.grad;
        if (g is null) p.grad = grad.view(p.shape);
        else g.add_(grad.view(p.shape), Scalars.One);
    }

    // Set by an open LokrDeltaWindow: ΔW as a leaf built once for several passes.
    private Tensor? held;

    internal void Hold(Tensor? leaf) => held = leaf;

    // DoKr's m at init: the norms of the base weight in float32 along the magnitude axis.
    public void InitializeMagnitude(Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        dora_scale!.copy_(Norms(weight.to(ScalarType.Float32)));
    }

    // ‖W‖ per output row or per input column, shaped like dora_scale.
    private Tensor Norms(Tensor w) => Shape.Dora == LokrDora.Output
        ? w.reshape(w.shape[0], -1).norm(1, true).reshape(Shape.DoraScale)
        : w.transpose(0, 1).reshape(w.shape[1], -1).norm(1, true).reshape(Shape.DoraScale);

    // float32 machine epsilon, which LyCORIS adds to ‖V‖ (its V is in dora_scale's float32).
    private const double NormEpsilon = 1.1920928955078125e-7;

    // W'-W0 for DoKr: V = float32(W0 + ΔW) (ΔW without the multiplier), s = m/(‖V‖+eps), then
    // s ← μ(s-1)+1 for a multiplier μ ≠ 1, W' = V·s. ‖V‖ keeps its graph (not detached, as LyCORIS),
    // so the gradient reaches ΔW through both V and its norm, and m directly.
    private Tensor Decomposed(Tensor weight, Tensor delta)
    {
        var w0 = weight.to(ScalarType.Float32);
        var v = w0.Plus(delta.to(ScalarType.Float32, weight.device));
        var s = dora_scale!.to(ScalarType.Float32, weight.device).div(Norms(v).Plus(NormEpsilon));
        if (Multiplier != 1.0) s = s.Plus(-1.0).Times(Multiplier).Plus(1.0);
        return v.mul(s).sub(w0).to(weight.dtype);
    }

    public Tensor DeltaFor(Tensor weight)
    {
        using var scope = NewDisposeScope();
        var delta = held?.alias() ?? Kron();
        if (Shape.Dora != LokrDora.None) return Decomposed(weight, delta).MoveToOuterDisposeScope();
        if (Multiplier != 1.0) delta = delta.Times(Multiplier);
        if (delta.dtype != weight.dtype || delta.device_type != weight.device_type || delta.device_index != weight.device_index)
            delta = delta.to(weight.dtype, weight.device);
        return delta.MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor weight) => DeltaFor(weight);

    // The factor tensors by key suffix, in file order.
    public IEnumerable<(string Suffix, Parameter Tensor)> Factors =>
        Shape.Tensors.Select(t => (t.Suffix, (Parameter)get_parameter(t.Suffix)!));
}
