using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// Blockwise dynamic 8-bit quantization of an optimizer state (lion8bit.md §4–5): the flat tensor is
// cut into blocks of 256, each block stores its fp32 absmax and one byte per element = the index of
// the nearest code to x / absmax. Vectorised: pad to whole blocks, per-row amax, bucketize on the
// code midpoints, then bitsandbytes' sign fix (a tiny negative value that rounded to code 0 is
// stored one step below it, so its sign survives).
public sealed class BlockwiseQuantizer : IDisposable
{
    public const int BlockSize = 256;

    private readonly Tensor _code;
    private readonly Tensor _midpoints;

    public BlockwiseQuantizer(Device device)
    {
        _code = tensor(DynamicQuantMap.Signed, device: device).DetachFromDisposeScope();
        _midpoints = tensor(DynamicQuantMap.SignedMidpoints, device: device).DetachFromDisposeScope();
    }

    public static long BlockCount(long elements) => (elements + BlockSize - 1) / BlockSize;

    // x: any shape, fp32. Writes the codes (uint8, numel of x) and absmax (fp32, block count) in place.
    public void Quantize(Tensor x, Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        var n = x.numel();
        var blocks = BlockCount(n);
        var flat = x.reshape(-1).to(ScalarType.Float32);
        var padded = blocks * BlockSize == n ? flat : nn.functional.pad(flat, [0, blocks * BlockSize - n]);
        var rows = padded.view(blocks, BlockSize);
        var amax = rows.abs().amax([1]);
        // All-zero blocks: absmax 0 would divide to NaN; any positive divisor gives y = 0 and code 0.0.
        using Scalar tiny = 1e-38f.ToScalar(), lo = (-1).ToScalar(), hi = 1.ToScalar(), zero = 0.ToScalar();
        var y = rows.div(amax.clamp_min(tiny).unsqueeze(1)).clamp_(lo, hi);
        var index = bucketize(y, _midpoints);
        var chosen = _code.take(index);
        var negative = y.lt(zero);
        var fix = negative.logical_and(chosen.ge(zero)).to(ScalarType.Int64).neg()
            .Plus(negative.logical_not().logical_and(chosen.lt(zero)).logical_and(y.gt(zero)).to(ScalarType.Int64));
        index = index.Plus(fix);
        codes.copy_(index.reshape(-1).narrow(0, 0, n).to(ScalarType.Byte).view(codes.shape));
        absmax.copy_(amax);
    }

    // codes (uint8), absmax [blocks] → fp32 tensor of the codes' shape.
    public Tensor Dequantize(Tensor codes, Tensor absmax)
    {
        using var scope = NewDisposeScope();
        var n = codes.numel();
        var blocks = absmax.numel();
        var values = _code.take(codes.reshape(-1).to(ScalarType.Int64));
        var padded = blocks * BlockSize == n ? values : nn.functional.pad(values, [0, blocks * BlockSize - n]);
        var x = (padded.view(blocks, BlockSize) * absmax.unsqueeze(1)).reshape(-1).narrow(0, 0, n);
        return x.view(codes.shape).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _code.Dispose();
        _midpoints.Dispose();
    }
}
