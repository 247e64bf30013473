using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Nn;

// nn.Linear with the same state-dict names (weight, bias) plus an optional weight delta.
// Every Linear in the SDXL models is one of these, so LoKr can attach to any of them by path.
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private IWeightDelta? delta;

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(AdaptableLinear))
    {
        using var init = nn.Linear(inFeatures, outFeatures, hasBias, device, dtype);
        weight = new Parameter(init.weight!.detach().clone());
        if (hasBias) bias = new Parameter(init.bias!.detach().clone());
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;
    public long InFeatures => weight.shape[1];
    public long OutFeatures => weight.shape[0];

    // Set after RegisterComponents, so the delta never becomes a registered child of the base model.
    public IWeightDelta? Delta { get => delta; set => delta = value; }

    public override Tensor forward(Tensor input)
    {
        if (delta is null) return nn.functional.linear(input, weight, bias);
        using var w = weight + delta.DeltaFor(weight);
        return nn.functional.linear(input, w, bias);
    }
}
