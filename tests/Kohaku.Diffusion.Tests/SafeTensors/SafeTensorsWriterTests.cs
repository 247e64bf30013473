using System.Text;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class SafeTensorsWriterTests
{
    [Fact]
    public void Write_SmallFile_MatchesHandDerivedBytes()
    {
        using var dir = new TempDir();
        var path = dir.File("golden.safetensors");
        using var x = tensor(new[] { (Half)1.0, (Half)(-2.0) });
        using var b = tensor(new[] { 7 });
        // Entries given out of order: the file must list and lay them out in key order.
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = x, ["b"] = b }, new Dictionary<string, string> { ["a"] = "b" });

        // Header: compact JSON, metadata first, keys sorted, offsets relative to the data section;
        // 132 bytes padded with 4 spaces to 136 so the data starts at 8 + 136 = 144 (8-aligned).
        const string json = "{\"__metadata__\":{\"a\":\"b\"},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}    ";
        var expected = new List<byte> { 136, 0, 0, 0, 0, 0, 0, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(json));
        expected.AddRange([7, 0, 0, 0]);              // I32 7, little-endian
        expected.AddRange([0x00, 0x3C, 0x00, 0xC0]);  // F16 1.0 = 0x3C00, -2.0 = 0xC000
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_NoTensorsNoMetadata_WritesPaddedEmptyObject()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.safetensors");
        SafeTensorsWriter.Write(path, Array.Empty<SafeTensorEntry>());
        Assert.Equal("\u0008\0\0\0\0\0\0\0{}      ", Encoding.ASCII.GetString(File.ReadAllBytes(path)));
    }

    [Theory]
    [InlineData(SafeDType.F16)]
    [InlineData(SafeDType.BF16)]
    [InlineData(SafeDType.F32)]
    [InlineData(SafeDType.F64)]
    [InlineData(SafeDType.I64)]
    [InlineData(SafeDType.I32)]
    [InlineData(SafeDType.I16)]
    [InlineData(SafeDType.I8)]
    [InlineData(SafeDType.U8)]
    [InlineData(SafeDType.BOOL)]
    public void Write_EveryDType_RoundTripsBitExact(SafeDType dtype)
    {
        using var dir = new TempDir();
        var path = dir.File("rt.safetensors");
        // Random bit patterns (including NaNs and subnormals for the float types), except BOOL,
        // whose only valid bytes are 0 and 1.
        var rng = new Random(1234 + (int)dtype);
        var raw = new byte[3 * 5 * dtype.ElementSize()];
        rng.NextBytes(raw);
        if (dtype == SafeDType.BOOL)
            for (var i = 0; i < raw.Length; i++)
                raw[i] &= 1;
        using var source = empty([3, 5], dtype.ToScalarType());
        raw.CopyTo(source.bytes);

        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = source });

        Assert.False(source.IsInvalid);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(raw, file.Bytes("t").ToArray());
        using var loaded = file.Load("t");
        Assert.Equal(dtype.ToScalarType(), loaded.dtype);
        Assert.Equal([3L, 5L], loaded.shape);
        Assert.Equal(raw, loaded.bytes.ToArray());
    }

    [Fact]
    public void Write_ProducerConverts_StoresDeclaredDTypeAndDisposesProduced()
    {
        using var dir = new TempDir();
        var path = dir.File("conv.safetensors");
        Tensor? produced = null;
        var entry = new SafeTensorEntry("w", SafeDType.F16, [2, 2], () => produced = tensor(new[] { 0.5f, 1.5f, -3f, 65504f }).reshape(2, 2));

        SafeTensorsWriter.Write(path, [entry]);

        Assert.True(produced!.IsInvalid);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(SafeDType.F16, file.Info("w").DType);
        using var w = file.Load("w", ScalarType.Float32);
        Assert.Equal([0.5f, 1.5f, -3f, 65504f], w.data<float>().ToArray());
    }

    [Fact]
    public void Write_NonContiguousSlice_WritesLogicalOrder()
    {
        using var dir = new TempDir();
        var path = dir.File("slice.safetensors");
        using var full = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        using var transposed = full.t();
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = transposed });

        using var file = SafeTensorsFile.Open(path);
        using var back = file.Load("t");
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], back.data<float>().ToArray());
        Assert.False(full.IsInvalid);
    }

    [Fact]
    public void Write_ProducedShapeDiffers_ThrowsNamingKeyAndKeepsOldFile()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        File.WriteAllText(path, "previous");
        var entries = new[]
        {
            new SafeTensorEntry("a", SafeDType.F32, [2], () => zeros(2)),
            new SafeTensorEntry("b.weight", SafeDType.F32, [2, 3], () => zeros(3, 2)),
        };

        var e = Assert.Throws<InvalidOperationException>(() => SafeTensorsWriter.Write(path, entries));

        Assert.Contains("b.weight", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_DuplicateName_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        var entries = new[]
        {
            new SafeTensorEntry("dup", SafeDType.F32, [1], () => zeros(1)),
            new SafeTensorEntry("dup", SafeDType.F32, [1], () => zeros(1)),
        };
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(dir.File("d.safetensors"), entries));
        Assert.Contains("'dup'", e.Message);
    }

    [Fact]
    public void Write_ProducesLazilyInKeyOrder_OneAtATime()
    {
        using var dir = new TempDir();
        var order = new List<string>();
        var produced = new List<Tensor>();
        var liveAtProduce = new List<int>();
        SafeTensorEntry Entry(string name) => new(name, SafeDType.F32, [4], () =>
        {
            order.Add(name);
            liveAtProduce.Add(produced.Count(t => !t.IsInvalid));
            var t = ones(4);
            produced.Add(t);
            return t;
        });

        SafeTensorsWriter.Write(dir.File("lazy.safetensors"), [Entry("c"), Entry("a"), Entry("b")]);

        Assert.Equal(["a", "b", "c"], order);
        Assert.Equal([0, 0, 0], liveAtProduce);
        Assert.All(produced, t => Assert.True(t.IsInvalid));
    }
}
