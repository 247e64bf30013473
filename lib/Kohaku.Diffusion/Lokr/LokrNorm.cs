using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Lokr;

// A norm layer trained as it is (LyCORIS train_norm). LyCORIS adds zero-initialised w_norm/b_norm to
// the norm's affine tensors; here the norm's own weight and bias train, and the saved w_norm/b_norm are
// their difference from the values at attach time, which is the same file and the same function.
public sealed class LokrNorm
{
    private readonly Tensor originalWeight;
    private readonly Tensor? originalBias;

    public LokrNorm(string name, Parameter weight, Parameter? bias)
    {
        Name = name;
        Weight = weight;
        Bias = bias;
        using (no_grad())
        {
            originalWeight = weight.detach().clone();
            originalBias = bias?.detach().clone();
        }
    }

    public string Name { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public IEnumerable<Parameter> Parameters => Bias is null ? [Weight] : [Weight, Bias];

    public Tensor WeightDelta() => Weight.detach() - originalWeight;

    public Tensor? BiasDelta() => Bias is null ? null : Bias.detach() - originalBias!;

    // Loads saved deltas: weight = original + w_norm.
    public void SetDeltas(Tensor wNorm, Tensor? bNorm)
    {
        using var _ = no_grad();
        Weight.copy_(originalWeight.Plus(wNorm.to(originalWeight.dtype, originalWeight.device)));
        if (Bias is not null && bNorm is not null) Bias.copy_(originalBias!.Plus(bNorm.to(originalBias!.dtype, originalBias.device)));
    }

    // Back to the base model's values (detaching the network).
    public void Restore()
    {
        using var _ = no_grad();
        Weight.copy_(originalWeight);
        Bias?.copy_(originalBias!);
    }
}
