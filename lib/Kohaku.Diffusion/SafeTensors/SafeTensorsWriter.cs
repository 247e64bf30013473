using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kohaku.Data.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.SafeTensors;

// Writes safetensors as the reference implementation reads them: 8-byte little-endian header
// length, compact JSON ("__metadata__" first, then tensors in ordinal key order), padded with
// spaces so the data section starts 8-byte aligned, then each tensor's little-endian bytes in
// the same key order with data_offsets relative to the data section. The header goes out first,
// from the declared entries; values are produced and written one at a time (constant memory),
// into a temporary file renamed over the target only when complete.
public static class SafeTensorsWriter
{
    public static void Write(string path, IEnumerable<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var sorted = entries.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var header = BuildHeader(sorted, metadata, path);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in sorted)
                WriteValues(stream, entry, path);
        });
    }

    // Each tensor is written in its own dtype; the caller keeps ownership of the tensors.
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(kv => SafeTensorEntry.Of(kv.Key, kv.Value)), metadata);

    // The JSON header including its trailing space padding (without the 8-byte length).
    internal static byte[] BuildHeader(IReadOnlyList<SafeTensorEntry> sorted, IReadOnlyDictionary<string, string>? metadata, string path)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            string? previous = null;
            foreach (var entry in sorted)
            {
                if (entry.Name == SafeTensorsHeader.MetadataKey)
                    throw new ArgumentException($"{path}: '{SafeTensorsHeader.MetadataKey}' cannot name a tensor");
                if (entry.Name == previous)
                    throw new ArgumentException($"{path}: tensor '{entry.Name}' is given twice");
                if (entry.Shape.Any(d => d < 0))
                    throw new ArgumentException($"{path}: tensor '{entry.Name}' has a negative dimension in [{string.Join(", ", entry.Shape)}]");
                previous = entry.Name;
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var d in entry.Shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += entry.ByteCount;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteValues(Stream stream, SafeTensorEntry entry, string path)
    {
        var produced = entry.Produce();
        try
        {
            if (!produced.shape.SequenceEqual(entry.Shape))
                throw new InvalidOperationException(
                    $"{path}: tensor '{entry.Name}' was declared [{string.Join(", ", entry.Shape)}] but produced [{string.Join(", ", produced.shape)}]");
            using var scope = NewDisposeScope();
            var bytes = produced.to(entry.DType.ToScalarType()).cpu().contiguous();
            if (entry.ByteCount > int.MaxValue)
                throw new NotSupportedException($"{path}: tensor '{entry.Name}' is {entry.ByteCount} bytes; spans stop at 2 GiB");
            if (entry.ByteCount > 0)
                stream.Write(bytes.bytes);
        }
        finally
        {
            if (entry.DisposeAfterWrite)
                produced.Dispose();
        }
    }
}
