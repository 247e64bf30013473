using Kohaku.Diffusion.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// bitsandbytes Lion8bit (lion8bit.md §2, §5): momentum stored as blockwise dynamic 8-bit codes
// (one byte per element + one fp32 absmax per 256), dequantized, stepped in fp32 and requantized
// with the new absmax every step. Tensors under MinQuantizedSize elements keep fp32 momentum.
// Weight decay is decoupled on every tensor (bitsandbytes ≥ 0.50 and its 8-bit kernel in all versions).
public sealed class Lion8bit : TrainOptimizer
{
    public const int DefaultMinQuantizedSize = 4096;

    // Keyed by type and index: TorchSharp's Device compares by reference and .device makes a new one.
    private readonly Dictionary<(DeviceType, int), BlockwiseQuantizer> _quantizers = [];

    public Lion8bit(IReadOnlyList<OptimizerGroup> groups, double beta1, double beta2, double weightDecay, int minQuantizedSize = DefaultMinQuantizedSize) : base(groups)
    {
        LionRule.Validate(beta1, beta2, weightDecay);
        if (minQuantizedSize < 1) throw new ArgumentOutOfRangeException(nameof(minQuantizedSize));
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        MinQuantizedSize = minQuantizedSize;
        AllocateState();
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public int MinQuantizedSize { get; }

    // The momentum as fp32 (dequantized where stored in 8 bits), for tests and diagnostics.
    public Tensor Momentum(string group, int index)
    {
        var gi = Groups.Select((g, i) => (g, i)).First(x => x.g.Name == group).i;
        var p = Groups[gi].Parameters[index];
        var prefix = $"{group}.{index}.";
        var state = StateTensors().Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        return state.TryGetValue("m", out var m) ? m.clone() : QuantizerFor(p.device).Dequantize(state["q"], state["absmax"]);
    }

    protected override Dictionary<string, Tensor> CreateState(Parameter p)
    {
        var n = p.numel();
        if (n < MinQuantizedSize) return new() { ["m"] = zeros(p.shape, ScalarType.Float32, p.device) };
        return new()
        {
            // Code 127 is 0.0, so a fresh state reads as zero whatever absmax holds.
            ["q"] = Scalars.Full(p.shape, DynamicQuantMap.ZeroIndex, ScalarType.Byte, p.device),
            ["absmax"] = zeros(BlockwiseQuantizer.BlockCount(n), ScalarType.Float32, p.device),
        };
    }

    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state, double lr)
    {
        var g = grad.to(ScalarType.Float32);
        var w = p.dtype == ScalarType.Float32 ? p : p.to(ScalarType.Float32);
        if (state.TryGetValue("m", out var m)) LionRule.Step(w, g, m, lr, Beta1, Beta2, WeightDecay, Sgn);
        else
        {
            var quantizer = QuantizerFor(p.device);
            var mOld = quantizer.Dequantize(state["q"], state["absmax"]);
            LionRule.Apply(w, g, mOld, lr, Beta1, WeightDecay, Sgn);
            var mNew = mOld.Times(Beta2).Plus(g.Times(1 - Beta2));
            quantizer.Quantize(mNew, state["q"], state["absmax"]);
        }
        if (!ReferenceEquals(w, p)) p.copy_(w);
    }

    protected override void DisposeExtras()
    {
        foreach (var q in _quantizers.Values) q.Dispose();
        _quantizers.Clear();
    }

    private BlockwiseQuantizer QuantizerFor(Device device)
    {
        var key = (device.type, device.index);
        if (!_quantizers.TryGetValue(key, out var q)) _quantizers[key] = q = new BlockwiseQuantizer(device);
        return q;
    }
}
