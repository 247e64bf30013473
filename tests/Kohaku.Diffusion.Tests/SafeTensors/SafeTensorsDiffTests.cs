using Kohaku.Diffusion.SafeTensors;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class SafeTensorsDiffTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kohaku-diff-").FullName;

    private string Write(string name, Dictionary<string, Tensor> tensors)
    {
        var path = Path.Combine(_dir, name);
        SafeTensorsWriter.Write(path, tensors);
        return path;
    }

    [Fact]
    public void Compare_OneElementApart_GivesBothMeasuresExactly()
    {
        using var a1 = tensor(new float[] { 1, 2, 3, 4 });
        using var a2 = tensor(new float[] { 10, 0 });
        using var b1 = tensor(new float[] { 1, 2, 3, 4.5f });
        using var other = tensor(new float[] { 99 });
        var a = Write("a.safetensors", new() { ["param.x"] = a1, ["param.y"] = a2, ["rng"] = other });
        var b = Write("b.safetensors", new() { ["param.x"] = b1, ["param.y"] = a2, ["rng"] = a1 });
        var result = SafeTensorsDiff.Compare(a, b, "param.");
        Assert.Equal(2, result.Tensors);
        Assert.Equal(0.5 / 4, result.MaxRelative, 12);
        Assert.Equal("param.x", result.WorstTensor);
        Assert.Equal(0.5, result.MaxAbsolute, 12);
        Assert.Equal(0.5 / Math.Sqrt(1 + 4 + 9 + 16 + 100), result.RelativeNorm, 12);
        Assert.Equal(0, SafeTensorsDiff.Compare(a, a).RelativeNorm);
    }

    [Fact]
    public void Compare_DifferentTensorNames_NamesThem()
    {
        using var t = zeros(2);
        var a = Write("a.safetensors", new() { ["param.x"] = t });
        var b = Write("b.safetensors", new() { ["param.z"] = t });
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsDiff.Compare(a, b));
        Assert.Contains("param.x", e.Message);
        Assert.Contains("param.z", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
