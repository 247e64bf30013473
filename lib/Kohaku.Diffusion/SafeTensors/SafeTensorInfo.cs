namespace Kohaku.Diffusion.SafeTensors;

// One header entry. Begin/End are byte offsets relative to the start of the data section
// (the header's data_offsets), already checked against the file.
public sealed record SafeTensorInfo(string Name, SafeDType DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => SafeDTypes.ElementCount(Shape);

    public long ByteCount => End - Begin;

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
