using Kohaku.Diffusion.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion.Tests.SafeTensors;

public sealed class StateDictLoaderTests
{
    // A text-encoder-like module: a Linear, a bare Parameter, and the optional position_ids buffer.
    private sealed class Small : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> proj;
        private readonly TorchSharp.Modules.Parameter scale;
        private readonly Tensor position_ids;

        public Small(Device? device = null) : base("Small")
        {
            proj = nn.Linear(3, 2, device: device);
            scale = nn.Parameter(ones(2, device: device));
            position_ids = arange(4, dtype: ScalarType.Int64, device: device).unsqueeze(0);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => proj.call(x) * scale;
    }

    private static string WriteFile(TempDir dir, Dictionary<string, Tensor> tensors)
    {
        var path = dir.File("sd.safetensors");
        SafeTensorsWriter.Write(path, tensors);
        foreach (var t in tensors.Values)
            t.Dispose();
        return path;
    }

    [Fact]
    public void Load_CompleteF16File_CopiesValuesConverted()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir, new()
        {
            ["te.proj.weight"] = arange(6, dtype: ScalarType.Float16).reshape(2, 3),
            ["te.proj.bias"] = tensor(new[] { (Half)0.5, (Half)(-1) }),
            ["te.scale"] = tensor(new[] { (Half)2, (Half)3 }),
            ["te.position_ids"] = arange(4, dtype: ScalarType.Float16).unsqueeze(0),
            ["other.x"] = zeros(1),
        });
        using var module = new Small();
        using var file = SafeTensorsFile.Open(path);

        var report = StateDictLoader.Load(module, file, "te.");

        Assert.True(report.IsComplete);
        Assert.Equal(4, report.Loaded.Count);
        Assert.Empty(report.Unexpected);
        var sd = module.state_dict();
        Assert.Equal(ScalarType.Float32, sd["proj.weight"].dtype);
        Assert.Equal([0f, 1, 2, 3, 4, 5], sd["proj.weight"].data<float>().ToArray());
        Assert.Equal([0.5f, -1f], sd["proj.bias"].data<float>().ToArray());
        Assert.Equal([2f, 3f], sd["scale"].data<float>().ToArray());
        Assert.Equal(ScalarType.Int64, sd["position_ids"].dtype);
        Assert.Equal([0L, 1, 2, 3], sd["position_ids"].data<long>().ToArray());
        report.ThrowIfIncomplete(path);
    }

    [Fact]
    public void Load_MissingMismatchedUnexpected_ReportedAndNotLoaded()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir, new()
        {
            ["te.proj.weight"] = ones(1, 3),          // would broadcast silently into [2,3]
            ["te.proj.bias"] = full(2, 7f),
            ["te.v_pred"] = zeros(1),
        });
        using var module = new Small();
        var before = module.state_dict()["proj.weight"].data<float>().ToArray();
        using var file = SafeTensorsFile.Open(path);

        var report = StateDictLoader.Load(module, file, "te.");

        Assert.False(report.IsComplete);
        Assert.Equal(["te.proj.bias"], report.Loaded);
        Assert.Equal(["te.scale"], report.Missing);
        Assert.Equal(["te.position_ids"], report.OptionalMissing);
        Assert.Equal(["te.v_pred"], report.Unexpected);
        var m = Assert.Single(report.Mismatched);
        Assert.Equal("te.proj.weight", m.Key);
        Assert.Equal([2L, 3L], m.Expected);
        Assert.Equal([1L, 3L], m.InFile);
        Assert.Equal(before, module.state_dict()["proj.weight"].data<float>().ToArray());
        var e = Assert.Throws<InvalidDataException>(() => report.ThrowIfIncomplete("base.safetensors"));
        Assert.Contains("base.safetensors", e.Message);
        Assert.Contains("te.scale", e.Message);
        Assert.Contains("te.proj.weight: module [2, 3], file [1, 3]", e.Message);
    }

    [Fact]
    public void Load_ExplicitOptionalKeys_ReplaceDefaults()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir, new() { ["proj.weight"] = ones(2, 3), ["proj.bias"] = ones(2) });
        using var module = new Small();
        using var file = SafeTensorsFile.Open(path);

        var report = StateDictLoader.Load(module, file, "", new HashSet<string> { "scale" });

        Assert.Equal(["scale"], report.OptionalMissing);
        Assert.Equal(["position_ids"], report.Missing);
    }

    [Fact]
    public void Load_MetaModule_ThrowsNamingKey()
    {
        using var dir = new TempDir();
        var path = WriteFile(dir, new() { ["proj.weight"] = ones(2, 3) });
        using var module = new Small(new Device(DeviceType.META));
        using var file = SafeTensorsFile.Open(path);

        var e = Assert.Throws<InvalidOperationException>(() => StateDictLoader.Load(module, file, ""));

        Assert.Contains("meta device", e.Message);
        Assert.Contains(path, e.Message);
    }
}
