using System.Buffers.Binary;
using Kohaku.Data.IO;
using Kohaku.Diffusion.SafeTensors;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// Writes a safetensors file whose tensors are produced in slices of at most ChunkElements elements,
// so memory stays bounded by one slice whatever the tensor (SDXL's largest, the 49408×1280 token
// embedding, is 253 MB in fp32). Same layout as SafeTensorsWriter (its header, name order, atomic
// rename); Produce(name, start, count) returns elements [start, start+count) as a 1-D tensor.
public static class ChunkedCheckpointWriter
{
    public const long ChunkElements = 8L << 20;

    public sealed record Entry(string Name, SafeDType DType, long[] Shape)
    {
        public long ElementCount => SafeDTypes.ElementCount(Shape);
    }

    public static void Write(string path, IEnumerable<Entry> entries, Func<Entry, long, long, Tensor> produce, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var sorted = entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var header = SafeTensorsWriter.BuildHeader(
            sorted.Select(e => new SafeTensorEntry(e.Name, e.DType, e.Shape, () => throw new InvalidOperationException("header only"))).ToList(), metadata, path);
        // One output buffer per dtype, reused for every slice.
        var buffers = new Dictionary<SafeDType, Tensor>();
        Tensor Buffer(SafeDType dtype, long count)
        {
            if (!buffers.TryGetValue(dtype, out var b)) buffers[dtype] = b = empty([ChunkElements], dtype.ToScalarType()).DetachFromDisposeScope();
            return b.narrow(0, 0, count);
        }
        try
        {
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in sorted)
                for (long start = 0, total = entry.ElementCount; start < total; start += ChunkElements)
                {
                    using var scope = NewDisposeScope();
                    var count = Math.Min(ChunkElements, total - start);
                    var chunk = produce(entry, start, count);
                    if (chunk.numel() != count)
                        throw new InvalidOperationException($"{path}: '{entry.Name}' slice at {start} has {chunk.numel()} elements, expected {count}");
                    if (chunk.dtype == entry.DType.ToScalarType() && chunk.is_contiguous())
                    {
                        stream.Write(chunk.bytes);
                        continue;
                    }
                    var output = Buffer(entry.DType, count);
                    output.copy_(chunk.reshape(count));
                    stream.Write(output.bytes);
                }
        });
        }
        finally
        {
            foreach (var b in buffers.Values) b.Dispose();
        }
    }
}
