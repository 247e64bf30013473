using Kohaku.Diffusion.SafeTensors;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class SafeDTypesTests
{
    [Theory]
    [InlineData(SafeDType.F16, ScalarType.Float16, 2)]
    [InlineData(SafeDType.BF16, ScalarType.BFloat16, 2)]
    [InlineData(SafeDType.F32, ScalarType.Float32, 4)]
    [InlineData(SafeDType.F64, ScalarType.Float64, 8)]
    [InlineData(SafeDType.I64, ScalarType.Int64, 8)]
    [InlineData(SafeDType.I32, ScalarType.Int32, 4)]
    [InlineData(SafeDType.I16, ScalarType.Int16, 2)]
    [InlineData(SafeDType.I8, ScalarType.Int8, 1)]
    [InlineData(SafeDType.U8, ScalarType.Byte, 1)]
    [InlineData(SafeDType.BOOL, ScalarType.Bool, 1)]
    public void ToScalarType_EachDType_MapsBothWaysWithTorchElementSize(SafeDType dtype, ScalarType type, int size)
    {
        Assert.Equal(type, dtype.ToScalarType());
        Assert.Equal(dtype, SafeDTypes.FromScalarType(type));
        Assert.Equal(size, dtype.ElementSize());
        using var t = empty(1, dtype: type);
        Assert.Equal(size, t.ElementSize);
    }

    [Theory]
    [InlineData("BF16", true)]
    [InlineData("bf16", false)]
    [InlineData("F8_E4M3", false)]
    [InlineData("", false)]
    public void TryParse_HeaderString_CaseSensitive(string text, bool ok) =>
        Assert.Equal(ok, SafeDTypes.TryParse(text, out _));

    [Fact]
    public void FromScalarType_Complex_ThrowsNotSupported() =>
        Assert.Throws<NotSupportedException>(() => SafeDTypes.FromScalarType(ScalarType.ComplexFloat32));
}
