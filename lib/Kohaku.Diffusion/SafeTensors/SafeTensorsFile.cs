using System.IO.MemoryMappedFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.SafeTensors;

// A safetensors file opened for reading: the header is parsed and validated first (see
// SafeTensorsHeader), then the file is memory-mapped read-only and tensors are copied out one at a
// time on demand, so a full SDXL checkpoint never sits in memory twice; the page cache holds it.
// Instances may be read from several threads; a span from Bytes() is valid until Dispose.
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, SafeTensorInfo> _byName;
    private bool _disposed;

    private SafeTensorsFile(string path, SafeTensorsHeader header, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        DataStart = header.DataStart;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _map = map;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    // Sorted by offset in the data section, which is the order that reads the file sequentially.
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    // Byte offset of the data section in the file (8 + header length).
    public long DataStart { get; }

    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    public static SafeTensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader copies bytes as they are");
        var full = System.IO.Path.GetFullPath(path);
        var stream = SafeTensorsHeader.OpenFile(full, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        try
        {
            var header = SafeTensorsHeader.Read(stream, full);
            // The mapping owns the stream from here on (leaveOpen: false).
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(full, header, map, view);
        }
        catch
        {
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafeTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    // The stored bytes of one tensor, straight from the mapping (no copy).
    public ReadOnlySpan<byte> Bytes(string name) => Bytes(Info(name));

    public ReadOnlySpan<byte> Bytes(SafeTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (info.ByteCount > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{info.Name}' is {info.ByteCount} bytes; spans stop at 2 GiB");
        return new ReadOnlySpan<byte>(_base + DataStart + info.Begin, (int)info.ByteCount);
    }

    // A new tensor with the stored values, converted to dtype and moved to device (defaults: the
    // stored dtype, CPU). The caller owns it.
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        var info = Info(name);
        var stored = info.DType.ToScalarType();
        var cpu = empty(info.Shape, stored, CPU);
        try
        {
            if (info.ByteCount > 0)
                Bytes(info).CopyTo(cpu.bytes);
            var targetType = dtype ?? stored;
            var targetDevice = device ?? CPU;
            if (targetDevice.type == DeviceType.CPU)
            {
                if (targetType == stored)
                    return cpu;
                var converted = cpu.to(targetType);
                cpu.Dispose();
                return converted;
            }
            // Cross the bus in the stored dtype (F16 checkpoints: half the bytes), convert there.
            var moved = cpu.to(targetDevice);
            cpu.Dispose();
            if (targetType == stored)
                return moved;
            var result = moved.to(targetType);
            moved.Dispose();
            return result;
        }
        catch
        {
            cpu.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
