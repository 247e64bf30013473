using Kohaku.Training.Optim;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Optim;

// A single parameter with a settable gradient, for step-by-step optimizer checks.
internal static class OptimizerFixture
{
    public static Parameter Param(params float[] values) => new(tensor(values), requires_grad: true);

    public static Parameter Param(Tensor values) => new(values.clone(), requires_grad: true);

    public static OptimizerGroup[] Group(double lr, params Parameter[] ps) => [new OptimizerGroup("unet", ps, lr)];

    public static void SetGrad(Parameter p, params float[] grad) => SetGrad(p, tensor(grad).view(p.shape));

    public static void SetGrad(Parameter p, Tensor grad)
    {
        using var noGrad = no_grad();
        p.grad = grad.clone();
    }
}
