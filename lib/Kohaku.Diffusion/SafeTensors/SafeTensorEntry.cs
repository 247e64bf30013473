using static TorchSharp.torch;

namespace Kohaku.Diffusion.SafeTensors;

// One tensor to write: its header line is known up front, its values are produced only when the
// writer reaches it, so merge/bake can stream a full checkpoint tensor by tensor. The writer
// disposes what Produce returns unless DisposeAfterWrite is false (tensors the caller still owns).
public sealed record SafeTensorEntry(string Name, SafeDType DType, long[] Shape, Func<Tensor> Produce, bool DisposeAfterWrite = true)
{
    public long ElementCount => SafeDTypes.ElementCount(Shape);

    public long ByteCount => checked(ElementCount * DType.ElementSize());

    public static SafeTensorEntry Of(string name, Tensor tensor) =>
        new(name, SafeDTypes.FromScalarType(tensor.dtype), tensor.shape, () => tensor, DisposeAfterWrite: false);
}
