using Kohaku.Diffusion.Merge;
using Kohaku.Diffusion.SafeTensors;
using Kohaku.Diffusion.Tests.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.Merge;

public sealed class ChunkedCheckpointWriterTests
{
    [Fact]
    public void Write_TensorLargerThanOneChunk_SameBytesAsSafeTensorsWriter()
    {
        using var dir = new TempDir();
        using var big = arange(ChunkedCheckpointWriter.ChunkElements + 5, ScalarType.Float32).reshape(-1, 1);
        using var small = arange(6L).reshape(2, 3);
        var tensors = new Dictionary<string, Tensor> { ["z.big"] = big, ["a.small"] = small };
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        SafeTensorsWriter.Write(dir.File("whole.safetensors"), tensors, metadata);
        ChunkedCheckpointWriter.Write(dir.File("chunked.safetensors"),
            tensors.Select(kv => new ChunkedCheckpointWriter.Entry(kv.Key, SafeDTypes.FromScalarType(kv.Value.dtype), kv.Value.shape)),
            (e, start, count) => tensors[e.Name].flatten().narrow(0, start, count), metadata);
        Assert.Equal(File.ReadAllBytes(dir.File("whole.safetensors")), File.ReadAllBytes(dir.File("chunked.safetensors")));
    }

    [Fact]
    public void Write_ShortSlice_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDir();
        Assert.Throws<InvalidOperationException>(() => ChunkedCheckpointWriter.Write(dir.File("x.safetensors"),
            [new ChunkedCheckpointWriter.Entry("w", SafeDType.F32, [4])], (_, _, _) => zeros(3)));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
