using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Nn;

// Scalar operands that stay alive for the whole native call. TorchSharp 0.107 turns every number it is
// given (`a + b` passes alpha = 1, `t * 0.5f`, `clamp(-30, 20)`) into a Scalar that no dispose scope
// tracks and nothing references once its handle is read, so a garbage collection during the native op
// may run its finalizer and free the c10::Scalar that libtorch is still reading: under load, training
// died with "Expected false to be true ... toFloat at c10/core/Scalar.h:140" (dotnet/TorchSharp PRs
// 1434, 1496). Model code takes its scalars from here: rooted constants, or ones disposed (hence
// referenced) only after the op returns. Same values and Scalar types as the implicit conversions.
public static class Scalars
{
    public static Scalar Zero { get; } = 0.ToScalar();

    public static Scalar One { get; } = 1.ToScalar();

    // a + b (alpha = 1).
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    // t + value; TorchSharp's add(Scalar) would pass an implicit alpha as well.
    public static Tensor Plus(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.add(s, One);
    }

    // arange(end) with explicit start and step: the one-argument overload makes both implicitly.
    public static Tensor Arange(long end, ScalarType dtype, Device? device = null)
    {
        using var stop = end.ToScalar();
        return arange(Zero, stop, One, dtype, device);
    }

    // Any op taking a number: the Scalar lives until the op has returned.
    public static Tensor With(double value, Func<Scalar, Tensor> op)
    {
        using var s = value.ToScalar();
        return op(s);
    }

    public static Tensor Times(this Tensor t, double factor) => With(factor, t.mul);

    public static Tensor DividedBy(this Tensor t, double divisor) => With(divisor, s => t.div(s));

    public static Tensor Times(this Tensor t, float factor)
    {
        using var s = factor.ToScalar();
        return t.mul(s);
    }

    public static Tensor Times(this Tensor t, long factor)
    {
        using var s = factor.ToScalar();
        return t.mul(s);
    }

    public static Tensor DividedBy(this Tensor t, float divisor)
    {
        using var s = divisor.ToScalar();
        return t.div(s);
    }

    public static Tensor Clamped(this Tensor t, int min, int max)
    {
        using Scalar lo = min.ToScalar(), hi = max.ToScalar();
        return t.clamp(lo, hi);
    }

    public static Tensor Full(long[] size, float value)
    {
        using var s = value.ToScalar();
        return full(size, s);
    }

    public static Tensor Full(long[] size, double value, ScalarType? dtype, Device? device = null)
    {
        using var s = value.ToScalar();
        return full(size, s, dtype, device);
    }
}
