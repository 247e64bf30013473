using System.Buffers.Binary;
using System.Text.Json;

namespace Kohaku.Diffusion.SafeTensors;

// The parsed and validated header of a safetensors file: an 8-byte little-endian length N, N bytes
// of UTF-8 JSON, then the data section. Every rule is checked here, before any data byte is
// touched, so a lying header can neither make a reader allocate from its numbers nor read outside
// the file: the tensors must tile the data section exactly (sorted by offset, no gap, no
// overlap, nothing left over), as the reference implementation demands.
internal sealed record SafeTensorsHeader(
    IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafeTensorInfo> Tensors, long DataStart)
{
    // The reference implementation's cap; SDXL's header is 402,436 bytes.
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    // Both readers open their file through here: FileStream says "access denied" for a folder and
    // names no file when one is missing.
    public static FileStream OpenFile(string fullPath, FileOptions options)
    {
        if (Directory.Exists(fullPath)) throw new IOException($"{fullPath}: is a folder, not a .safetensors file");
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"{fullPath}: no such file", fullPath);
        return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, options);
    }

    public static SafeTensorsHeader Read(FileStream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw Bad(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        RandomAccess.Read(stream.SafeFileHandle, prefix, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte cap");
        if ((long)headerLength > fileLength - 8)
            throw Bad(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        var json = new byte[headerLength];
        var read = 0;
        while (read < json.Length)
        {
            var n = RandomAccess.Read(stream.SafeFileHandle, json.AsSpan(read), 8 + read);
            if (n == 0)
                throw Bad(path, "file shrank while its header was read");
            read += n;
        }
        var dataStart = 8 + (long)headerLength;
        return Parse(json, fileLength - dataStart, dataStart, path);
    }

    public static SafeTensorsHeader Parse(byte[] json, long dataLength, long dataStart, string path)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
            throw Bad(path, "header does not start with '{'");
        // JsonDocument checks UTF-8 only when a string is read; refuse the whole header up front.
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw Bad(path, "header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Bad(path, $"duplicate key '{property.Name}' in the header");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, path);
                else
                    tensors.Add(ReadTensor(property.Name, property.Value, dataLength, path));
            }
            var sorted = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
            CheckTiling(sorted, dataLength, path);
            return new SafeTensorsHeader(metadata, sorted, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"'{MetadataKey}' is {value.ValueKind}, not an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"'{MetadataKey}' key '{entry.Name}' is {entry.Value.ValueKind}, not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Bad(path, $"duplicate '{MetadataKey}' key '{entry.Name}'");
        }
    }

    private static SafeTensorInfo ReadTensor(string name, JsonElement value, long dataLength, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"tensor '{name}' is {value.ValueKind}, not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}' has no string 'dtype'");
        var dtypeText = dtypeElement.GetString()!;
        if (!SafeDTypes.TryParse(dtypeText, out var dtype))
            throw Bad(path, $"tensor '{name}' has unsupported dtype '{dtypeText}' (supported: {string.Join(", ", Enum.GetNames<SafeDType>())})");
        var shape = ReadIntegers(name, value, "shape", path);
        var offsets = ReadIntegers(name, value, "data_offsets", path);
        if (offsets.Length != 2)
            throw Bad(path, $"tensor '{name}' has {offsets.Length} data_offsets, not 2");
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw Bad(path, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        if (end > dataLength)
            throw Bad(path, $"tensor '{name}' has data_offsets [{begin}, {end}] past the end of the data section ({dataLength} bytes)");
        long expected;
        try
        {
            expected = checked(SafeDTypes.ElementCount(shape) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"tensor '{name}' has shape [{string.Join(", ", shape)}] whose size overflows");
        }
        if (end - begin != expected)
            throw Bad(path, $"tensor '{name}' spans {end - begin} bytes but shape [{string.Join(", ", shape)}] of {dtype} needs {expected}");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string name, JsonElement tensor, string field, string path)
    {
        if (!tensor.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}' has no '{field}' array");
        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v))
                throw Bad(path, $"tensor '{name}' has a non-integer {field} entry {item.GetRawText()}");
            if (v < 0)
                throw Bad(path, $"tensor '{name}' has a negative {field} entry {v}");
            values[i++] = v;
        }
        return values;
    }

    private static void CheckTiling(List<SafeTensorInfo> sorted, long dataLength, string path)
    {
        long next = 0;
        SafeTensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.Begin < next)
                throw Bad(path, $"tensor '{t.Name}' [{t.Begin}, {t.End}] overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (t.Begin > next)
                throw Bad(path, $"tensor '{t.Name}' begins at {t.Begin}, leaving a gap of {t.Begin - next} bytes after {(previous is null ? "the header" : $"tensor '{previous.Name}'")}");
            next = t.End;
            previous = t;
        }
        if (next != dataLength)
            throw Bad(path, $"data section has {dataLength - next} bytes after {(previous is null ? "the header (no tensors)" : $"the last tensor '{previous.Name}'")}");
    }

    internal static InvalidDataException Bad(string path, string message) =>
        new($"{path}: not a valid safetensors file: {message}");
}
