using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Nn;

// nn.Conv2d with the same state-dict names (weight, bias) plus an optional weight delta; see AdaptableLinear.
public sealed class AdaptableConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long stride, padding;
    private IWeightDelta? delta;

    public AdaptableConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(AdaptableConv2d))
    {
        using var init = nn.Conv2d(inChannels, outChannels, kernelSize, stride, padding, bias: hasBias, device: device, dtype: dtype);
        // Dispose the detached aliases at once: left to the GC they keep the initial weights alive,
        // which doubled the peak memory of building the full-size UNet (20 GB instead of 10).
        using (var w = init.weight!.detach()) weight = new Parameter(w.clone());
        if (hasBias) using (var b = init.bias!.detach()) bias = new Parameter(b.clone());
        this.stride = stride;
        this.padding = padding;
        RegisterComponents();
    }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    public IWeightDelta? Delta { get => delta; set => delta = value; }

    public override Tensor forward(Tensor input)
    {
        if (delta is null) return nn.functional.conv2d(input, weight, bias, strides: [stride, stride], padding: [padding, padding]);
        using var w = weight.Plus(delta.DeltaFor(weight));
        return nn.functional.conv2d(input, w, bias, strides: [stride, stride], padding: [padding, padding]);
    }
}
