using Kohaku.Diffusion.Nn;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// Lion with fp32 momentum (lion8bit.md §1.1), decoupled weight decay, in the order every reference
// uses: p ← p·(1 − lr·wd); p ← p − lr·sgn(β1·m + (1−β1)·g); m ← β2·m + (1−β2)·g.
public sealed class Lion : TrainOptimizer
{
    public Lion(IReadOnlyList<OptimizerGroup> groups, double beta1, double beta2, double weightDecay) : base(groups)
    {
        LionRule.Validate(beta1, beta2, weightDecay);
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        AllocateState();
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }

    protected override Dictionary<string, Tensor> CreateState(Parameter p) =>
        new() { ["m"] = zeros(p.shape, ScalarType.Float32, p.device) };

    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state, double lr)
    {
        var m = state["m"];
        var g = grad.to(ScalarType.Float32);
        var w = p.dtype == ScalarType.Float32 ? p : p.to(ScalarType.Float32);
        LionRule.Step(w, g, m, lr, Beta1, Beta2, WeightDecay, Sgn);
        if (!ReferenceEquals(w, p)) p.copy_(w);
    }
}
