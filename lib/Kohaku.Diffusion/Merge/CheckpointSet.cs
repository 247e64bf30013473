using Kohaku.Diffusion.SafeTensors;

namespace Kohaku.Diffusion.Merge;

// Opens several checkpoints that must share one layout, and checks it before anything is written:
// known SDXL keys shaped as the file's architecture has them (checked by CheckpointReader.Open), and the same tensor names
// and shapes in every file (the first difference is named with its file).
public sealed class CheckpointSet : IDisposable
{
    private readonly List<CheckpointReader> files = [];

    public CheckpointSet(IEnumerable<string> paths)
    {
        try
        {
            foreach (var path in paths) files.Add(CheckpointReader.Open(path));
            if (files.Count == 0) throw new ArgumentException("no checkpoints given", nameof(paths));
            CheckSameLayout();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void CheckSameLayout()
    {
        var first = files[0];
        foreach (var other in files.Skip(1))
        {
            foreach (var info in first.Tensors)
            {
                if (!other.Contains(info.Name)) throw new InvalidDataException($"{other.Path}: has no tensor '{info.Name}' (present in {first.Path})");
                var shape = other.Info(info.Name).Shape;
                if (!shape.SequenceEqual(info.Shape))
                    throw new InvalidDataException($"{other.Path}: tensor '{info.Name}' is [{string.Join(", ", shape)}], {first.Path} has {info.ShapeText}");
            }
            var extra = other.Tensors.FirstOrDefault(t => !first.Contains(t.Name));
            if (extra is not null) throw new InvalidDataException($"{other.Path}: tensor '{extra.Name}' is not in {first.Path}");
        }
    }

    public IReadOnlyList<CheckpointReader> Files => files;

    public CheckpointReader First => files[0];

    public static bool IsFloat(SafeDType dtype) => dtype is SafeDType.F16 or SafeDType.BF16 or SafeDType.F32 or SafeDType.F64;

    public void Dispose()
    {
        foreach (var f in files) f.Dispose();
        files.Clear();
    }
}
