using System.Buffers.Binary;
using System.Text;
using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class SafeTensorsFileTests
{
    // A file with the given header text, declared length (default: the real one) and data bytes.
    private static string Raw(TempDir dir, string json, int dataBytes, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var path = dir.File("m.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string T(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    private static void AssertRefused(string path, params string[] mentions)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        foreach (var m in mentions)
            Assert.Contains(m, e.Message);
    }

    [Fact]
    public void Open_ShorterThanLengthPrefix_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 0, 0]);
        AssertRefused(path, "too short");
    }

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{}", 0, declaredLength: 3), "past the end of the file");
    }

    [Fact]
    public void Open_HugeHeaderLength_ThrowsWithoutAllocating()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{}", 0, declaredLength: ulong.MaxValue), "exceeds");
    }

    [Fact]
    public void Open_NotJson_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"a\": nope}", 0), "not valid JSON");
    }

    [Fact]
    public void Open_HeaderNotAnObject_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "[1,2]", 0), "does not start with '{'");
    }

    [Fact]
    public void Open_InvalidUtf8_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        var path = Raw(dir, "{\"__metadata__\":{\"k\":\"xx\"}}", 0);
        var bytes = File.ReadAllBytes(path);
        bytes[8 + 22] = 0xFF;  // inside the string value "xx"
        bytes[8 + 23] = 0xFE;
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "not valid UTF-8");
    }

    [Fact]
    public void Open_UnknownDType_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "F8_E4M3", "[2]", 0, 2) + "}", 2), "'w'", "F8_E4M3");
    }

    [Fact]
    public void Open_LowercaseDType_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "f16", "[2]", 0, 4) + "}", 4), "'w'", "f16");
    }

    [Fact]
    public void Open_SizeDoesNotMatchShape_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "F32", "[2,3]", 0, 12) + "}", 12), "'w'", "needs 24");
    }

    [Fact]
    public void Open_NegativeDimension_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "F32", "[-1,4]", 0, 16) + "}", 16), "'w'", "negative");
    }

    [Fact]
    public void Open_FractionalDimension_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "F32", "[1.5]", 0, 4) + "}", 4), "'w'", "non-integer");
    }

    [Fact]
    public void Open_OverflowingShape_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("w", "F32", "[4294967296,4294967296]", 0, 4) + "}", 4), "'w'", "overflows");
    }

    [Fact]
    public void Open_OverlappingTensors_ThrowsNamingBothKeys()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[2]", 0, 8) + "," + T("b", "F32", "[2]", 4, 12) + "}", 12), "'a'", "'b'", "overlaps");
    }

    [Fact]
    public void Open_GapBetweenTensors_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[1]", 0, 4) + "," + T("b", "F32", "[1]", 8, 12) + "}", 12), "'b'", "gap of 4 bytes");
    }

    [Fact]
    public void Open_GapBeforeFirstTensor_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[1]", 4, 8) + "}", 8), "'a'", "gap");
    }

    [Fact]
    public void Open_OffsetsPastEnd_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[4]", 0, 16) + "}", 8), "'a'", "past the end of the data section");
    }

    [Fact]
    public void Open_OffsetsReversed_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[0]", 4, 0) + "}", 4), "'a'", "end before they begin");
    }

    [Fact]
    public void Open_TrailingBytesAfterLastTensor_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[1]", 0, 4) + "}", 6), "'a'", "2 bytes after");
    }

    [Fact]
    public void Open_ThreeOffsets_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", 4), "'a'", "3 data_offsets");
    }

    [Fact]
    public void Open_MissingShape_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "'a'", "'shape'");
    }

    [Fact]
    public void Open_DuplicateKeys_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{" + T("a", "F32", "[1]", 0, 4) + "," + T("a", "F32", "[1]", 4, 8) + "}", 8), "duplicate key 'a'");
    }

    [Fact]
    public void Open_NonStringMetadata_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"__metadata__\":{\"ss_steps\":100}}", 0), "__metadata__", "'ss_steps'", "not a string");
    }

    [Fact]
    public void Open_MetadataNotObject_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"__metadata__\":\"x\"}", 0), "__metadata__");
    }

    [Fact]
    public void Open_TensorNotObject_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        AssertRefused(Raw(dir, "{\"a\":[0,4]}", 0), "'a'", "not an object");
    }

    [Fact]
    public void Open_TrailingSpacePaddingAndZeroSizedTensor_Accepted()
    {
        using var dir = new TempDir();
        var path = Raw(dir, "{" + T("e", "F16", "[0,3]", 4, 4) + "," + T("s", "I32", "[]", 0, 4) + ",\"__metadata__\":{\"k\":\"v\"}}   ", 4);

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(["s", "e"], file.Tensors.Select(t => t.Name));
        Assert.Equal("v", file.Metadata["k"]);
        Assert.Equal(0, file.Info("e").ElementCount);
        using var e = file.Load("e");
        Assert.Equal([0L, 3L], e.shape);
        using var s = file.Load("s");
        Assert.Empty(s.shape);
    }

    [Fact]
    public void Tensors_Always_SortedByOffset()
    {
        using var dir = new TempDir();
        var path = Raw(dir, "{" + T("z", "U8", "[1]", 0, 1) + "," + T("a", "U8", "[2]", 1, 3) + "}", 3);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["z", "a"], file.Tensors.Select(t => t.Name));
        Assert.Equal(new FileInfo(path).Length - 3, file.DataStart);
    }

    [Fact]
    public void Info_UnknownName_ThrowsNamingFileAndKey()
    {
        using var dir = new TempDir();
        var path = dir.File("k.safetensors");
        using (var t = zeros(1))
            SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = t });
        using var file = SafeTensorsFile.Open(path);
        Assert.False(file.Contains("b"));
        var e = Assert.Throws<KeyNotFoundException>(() => file.Info("b"));
        Assert.Contains("'b'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_WithDType_ConvertsValues()
    {
        using var dir = new TempDir();
        var path = dir.File("c.safetensors");
        using (var t = tensor(new[] { (BFloat16)1.5f, (BFloat16)(-0.25f) }))
            SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = t });
        using var file = SafeTensorsFile.Open(path);

        using var f32 = file.Load("w", ScalarType.Float32, CPU);

        Assert.Equal(ScalarType.Float32, f32.dtype);
        Assert.Equal([1.5f, -0.25f], f32.data<float>().ToArray());
    }

    [Fact]
    public void Bytes_AfterDispose_Throws()
    {
        using var dir = new TempDir();
        var path = dir.File("d.safetensors");
        using (var t = zeros(1))
            SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = t });
        var file = SafeTensorsFile.Open(path);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Bytes("a").Length);
    }
}
