using TorchSharp;

namespace Kohaku.Diffusion.SafeTensors;

// The safetensors dtypes this project reads and writes; the names are the header strings.
// The FP8 and unsigned wide types of the format are absent: TorchSharp has no tensor type for
// them, and no SDXL or LyCORIS file uses them.
public enum SafeDType { F16, BF16, F32, F64, I64, I32, I16, I8, U8, BOOL }

public static class SafeDTypes
{
    // Elements of a tensor of this shape (1 for a scalar); OverflowException past long.
    public static long ElementCount(IEnumerable<long> shape) => shape.Aggregate(1L, (n, d) => checked(n * d));

    public static int ElementSize(this SafeDType dtype) => dtype switch
    {
        SafeDType.F64 or SafeDType.I64 => 8,
        SafeDType.F32 or SafeDType.I32 => 4,
        SafeDType.F16 or SafeDType.BF16 or SafeDType.I16 => 2,
        SafeDType.I8 or SafeDType.U8 or SafeDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static torch.ScalarType ToScalarType(this SafeDType dtype) => dtype switch
    {
        SafeDType.F16 => torch.ScalarType.Float16,
        SafeDType.BF16 => torch.ScalarType.BFloat16,
        SafeDType.F32 => torch.ScalarType.Float32,
        SafeDType.F64 => torch.ScalarType.Float64,
        SafeDType.I64 => torch.ScalarType.Int64,
        SafeDType.I32 => torch.ScalarType.Int32,
        SafeDType.I16 => torch.ScalarType.Int16,
        SafeDType.I8 => torch.ScalarType.Int8,
        SafeDType.U8 => torch.ScalarType.Byte,
        SafeDType.BOOL => torch.ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static SafeDType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float16 => SafeDType.F16,
        torch.ScalarType.BFloat16 => SafeDType.BF16,
        torch.ScalarType.Float32 => SafeDType.F32,
        torch.ScalarType.Float64 => SafeDType.F64,
        torch.ScalarType.Int64 => SafeDType.I64,
        torch.ScalarType.Int32 => SafeDType.I32,
        torch.ScalarType.Int16 => SafeDType.I16,
        torch.ScalarType.Int8 => SafeDType.I8,
        torch.ScalarType.Byte => SafeDType.U8,
        torch.ScalarType.Bool => SafeDType.BOOL,
        _ => throw new NotSupportedException($"safetensors has no dtype for {type} in this project"),
    };

    // Header strings are case-sensitive in the format ("F16", never "f16").
    public static bool TryParse(string text, out SafeDType dtype)
    {
        foreach (var d in Enum.GetValues<SafeDType>())
        {
            if (string.Equals(d.ToString(), text, StringComparison.Ordinal))
            {
                dtype = d;
                return true;
            }
        }
        dtype = default;
        return false;
    }
}
