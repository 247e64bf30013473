using Kohaku.Diffusion.Nn;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// AdamW exactly as torch.optim.AdamW (single-tensor path): decoupled decay p·(1 − lr·wd), bias-corrected
// moments, denominator √v / √(1−β2^t) + ε. fp32 state, 8 bytes per parameter.
public sealed class AdamW : TrainOptimizer
{
    public AdamW(IReadOnlyList<OptimizerGroup> groups, double beta1, double beta2, double weightDecay, double epsilon = 1e-8) : base(groups)
    {
        LionRule.Validate(beta1, beta2, weightDecay);
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        Epsilon = epsilon;
        AllocateState();
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public double Epsilon { get; }

    protected override Dictionary<string, Tensor> CreateState(Parameter p) => new()
    {
        ["exp_avg"] = zeros(p.shape, ScalarType.Float32, p.device),
        ["exp_avg_sq"] = zeros(p.shape, ScalarType.Float32, p.device),
        ["step"] = zeros(1, ScalarType.Int64),
    };

    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state, double lr)
    {
        var stepTensor = state["step"];
        stepTensor.add_(Scalars.One, Scalars.One);
        var step = stepTensor.item<long>();
        var g = grad.to(ScalarType.Float32);
        var w = p.dtype == ScalarType.Float32 ? p : p.to(ScalarType.Float32);
        var m = state["exp_avg"];
        var v = state["exp_avg_sq"];
        Scalars.With(1 - lr * WeightDecay, w.mul_);
        m.lerp_(g, 1 - Beta1);   // the weight becomes a 0-dim tensor, which dispose scopes do track
        Scalars.With(Beta2, v.mul_);
        Scalars.With(1 - Beta2, value => v.addcmul_(g, g, value));
        var bias1 = 1 - Math.Pow(Beta1, step);
        var bias2 = 1 - Math.Pow(Beta2, step);
        var denom = Scalars.With(Math.Sqrt(bias2), s => v.sqrt().div(s));
        Scalars.With(Epsilon, e => denom.add_(e, Scalars.One));
        Scalars.With(-lr / bias1, value => w.addcdiv_(m, denom, value));
        if (!ReferenceEquals(w, p)) p.copy_(w);
    }
}
