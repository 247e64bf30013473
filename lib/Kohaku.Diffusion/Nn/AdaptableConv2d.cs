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
        if (delta is null) return Conv(input, weight);
        using var w = weight.Plus(delta.DeltaFor(weight));
        return Conv(input, w);
    }

    // libtorch 2.10's oneDNN AVX-512 convolutions are wrong (garbage, often NaN, different on every
    // run) when a channel count is not a multiple of 16, AVX-512's channel block: bf16 outputs and
    // weight gradients, fp32 input gradients (tests/torch.runsettings). fp32 is exact under the
    // project's AVX cap, but bf16 is only usable at AVX-512 speed, so on the CPU a bf16/fp16 conv pads
    // its channels with zeros to the block and narrows the output back: the same sums, on kernels
    // that are right. In SDXL these are the UNet's conv_in and out.2 and the VAE's pixel and latent convs.
    private Tensor Conv(Tensor input, Tensor w)
    {
        var (outChannels, inChannels) = (w.shape[0], w.shape[1]);
        if (input.device_type != DeviceType.CPU || input.dtype is not (ScalarType.BFloat16 or ScalarType.Float16)
            || (inChannels % ChannelBlock == 0 && outChannels % ChannelBlock == 0))
            return nn.functional.conv2d(input, w, bias, strides: [stride, stride], padding: [padding, padding]);
        using var scope = NewDisposeScope();
        var (padIn, padOut) = (RoundUp(inChannels) - inChannels, RoundUp(outChannels) - outChannels);
        var x = padIn == 0 ? input : nn.functional.pad(input, [0, 0, 0, 0, 0, padIn]);
        var padded = nn.functional.pad(w, [0, 0, 0, 0, 0, padIn, 0, padOut]);
        var b = bias is null ? null : nn.functional.pad(bias, [0, padOut]);
        var y = nn.functional.conv2d(x, padded, b, strides: [stride, stride], padding: [padding, padding]);
        return (padOut == 0 ? y : y.narrow(1, 0, outChannels).contiguous()).MoveToOuterDisposeScope();
    }

    private const long ChannelBlock = 16;

    private static long RoundUp(long channels) => (channels + ChannelBlock - 1) / ChannelBlock * ChannelBlock;
}
