using Kohaku.Diffusion.SafeTensors;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Merge;

// A checkpoint read tensor by tensor with positioned reads into the tensor's own buffer. Merging
// through a memory mapping would leave every page touched counted in the process's resident set
// (13.8 GB for two SDXL inputs); read() goes through the page cache only, so RSS stays at the
// size of the tensors in flight.
public sealed class CheckpointReader : IDisposable
{
    private readonly SafeFileHandle handle;
    private readonly Dictionary<string, SafeTensorInfo> byName;
    private readonly long dataStart;

    private CheckpointReader(string path, SafeFileHandle handle, SafeTensorsHeader header)
    {
        Path = path;
        this.handle = handle;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        dataStart = header.DataStart;
        byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    // In data-section order, so a pass over them reads the file front to back.
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    public static CheckpointReader Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        using var stream = SafeTensorsHeader.OpenFile(full, FileOptions.None);
        var header = SafeTensorsHeader.Read(stream, full);
        var handle = File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var reader = new CheckpointReader(full, handle, header);
        // Every tool reading checkpoints here writes one from them: a known SDXL key of the wrong
        // shape stops it at the file that has it (SdxlLayout), before anything is written.
        try
        {
            Sdxl.SdxlLayout.Check(full, reader.Tensors);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    // A new CPU tensor with the stored values, converted to dtype when given. The caller owns it.
    public Tensor Load(string name, ScalarType? dtype = null)
    {
        var info = Info(name);
        if (info.ByteCount > int.MaxValue) throw new NotSupportedException($"{Path}: tensor '{name}' is {info.ByteCount} bytes; reads stop at 2 GiB");
        using var flat = LoadRange(name, 0, info.ElementCount, dtype);
        return flat.view(info.Shape);
    }

    // Elements [start, start + count) of a tensor in storage order, as a 1-D tensor in dtype (default: stored).
    public Tensor LoadRange(string name, long start, long count, ScalarType? dtype = null)
    {
        var info = Info(name);
        if (start < 0 || count < 0 || start + count > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{Path}: elements [{start}, {start + count}) of '{name}' are outside its {info.ElementCount}");
        var size = info.DType.ElementSize();
        var t = empty([count], info.DType.ToScalarType());
        try
        {
            ReadInto(t.bytes, dataStart + info.Begin + start * size, name);
            if (dtype is not { } d || d == t.dtype) return t;
            var converted = t.to(d);
            t.Dispose();
            return converted;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    // Reads elements [start, start + destination.numel()) into a contiguous CPU tensor of the stored dtype
    // (a reused scratch buffer: no allocation and no fresh pages per slice).
    public void ReadRange(string name, long start, Tensor destination)
    {
        var info = Info(name);
        if (destination.dtype != info.DType.ToScalarType() || !destination.is_contiguous())
            throw new ArgumentException($"{Path}: '{name}' is {info.DType}; the destination must be a contiguous {info.DType.ToScalarType()} tensor", nameof(destination));
        if (start < 0 || start + destination.numel() > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"{Path}: elements [{start}, {start + destination.numel()}) of '{name}' are outside its {info.ElementCount}");
        ReadInto(destination.bytes, dataStart + info.Begin + start * info.DType.ElementSize(), name);
    }

    private void ReadInto(Span<byte> span, long offset, string name)
    {
        while (span.Length > 0)
        {
            var n = RandomAccess.Read(handle, span, offset);
            if (n == 0) throw new EndOfStreamException($"{Path}: tensor '{name}' ends past the end of the file");
            span = span[n..];
            offset += n;
        }
    }

    public void Dispose() => handle.Dispose();
}
