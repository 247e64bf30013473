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
        // Dispose the detached aliases at once: left to the GC they keep the initial weights alive,
        // which doubled the peak memory of building the full-size UNet (20 GB instead of 10).
        using (var w = init.weight!.detach()) weight = new Parameter(w.clone());
        if (hasBias) using (var b = init.bias!.detach()) bias = new Parameter(b.clone());
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    // Set after RegisterComponents, so the delta never becomes a registered child of the base model.
    public IWeightDelta? Delta { get => delta; set => delta = value; }

    public override Tensor forward(Tensor input)
    {
        if (delta is null) return nn.functional.linear(input, weight, bias);
        using var w = weight.Plus(delta.DeltaFor(weight));
        return nn.functional.linear(input, w, bias);
    }
}
