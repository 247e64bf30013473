using Kohaku.Diffusion.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Optim;

// bitsandbytes' signed dynamic 8-bit code (create_dynamic_map(signed=True), lion8bit.md §3.1):
// for exponent level i = 0…6 the 2^i midpoints of linspace(0.1, 1, 2^i + 1), scaled by 10^(i−6),
// with both signs, plus 0 and +1 — 256 sorted values, asymmetric (no −1). Built with libtorch's own
// float32 linspace and multiply so the last ulp matches a bitsandbytes install on CPU.
public static class DynamicQuantMap
{
    public const int Size = 256;
    public const int ZeroIndex = 127;

    private static readonly Lazy<float[]> SignedValues = new(BuildSigned);

    public static float[] Signed => (float[])SignedValues.Value.Clone();

    // The 255 float32 midpoints between neighbouring codes: bucketize on them is nearest-code search.
    public static float[] SignedMidpoints
    {
        get
        {
            var code = SignedValues.Value;
            var mids = new float[Size - 1];
            for (var i = 0; i < mids.Length; i++) mids[i] = (code[i] + code[i + 1]) / 2f;
            return mids;
        }
    }

    private static float[] BuildSigned()
    {
        const int maxExponentBits = 7;
        var values = new List<double>();
        using (var scope = NewDisposeScope())
        {
            for (var i = 0; i < maxExponentBits; i++)
            {
                var points = linspace(0.1, 1.0, (1 << i) + 1, ScalarType.Float32);
                var means = points[..^1].Plus(points[1..]).DividedBy(2.0f);
                var scaled = means.Times(Math.Pow(10, i - (maxExponentBits - 1)));
                foreach (var v in scaled.data<float>().ToArray())
                {
                    values.Add(v);
                    values.Add(-v);
                }
            }
        }
        values.Add(0);
        values.Add(1.0);
        if (values.Count != Size) throw new InvalidOperationException($"dynamic map has {values.Count} entries, expected {Size}");
        values.Sort();
        return values.Select(v => (float)v).ToArray();
    }
}
