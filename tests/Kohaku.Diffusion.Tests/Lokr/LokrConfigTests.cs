using Kohaku.Diffusion.Lokr;

namespace Kohaku.Diffusion.Tests.Lokr;

public sealed class LokrConfigTests
{
    [Fact]
    public void Validate_Defaults_AreKohakuXlDelta()
    {
        var config = new LokrConfig().Validate();
        var preset = config.ResolvePreset();
        Assert.Equal("kohaku-xl-delta", preset.Name);
        Assert.True(preset.TrainNorm);
        Assert.Equal(4, preset.ModuleAlgoMap["CrossAttention"].Factor);
        Assert.Equal(2, preset.ModuleAlgoMap["FeedForward"].Factor);
        Assert.Equal(8, preset.Default.Factor);
    }

    [Fact]
    public void Validate_BadFields_ListsEveryOneByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new LokrConfig { Preset = "nope", Factor = 0, SaveDtype = "fp8" }.Validate());
        Assert.Contains("lokr.preset", e.Message);
        Assert.Contains("lokr.factor", e.Message);
        Assert.Contains("lokr.saveDtype", e.Message);
    }

    [Fact]
    public void ResolvePreset_FactorOverride_ReplacesEveryFactor()
    {
        var preset = new LokrConfig { Factor = 16, TrainNorm = false }.ResolvePreset();
        Assert.All(preset.ModuleAlgoMap.Values.Append(preset.Default), c => Assert.Equal(16, c.Factor));
        Assert.False(preset.TrainNorm);
    }

    [Fact]
    public void LoadSection_RunFile_ReadsCamelCaseAndRefusesUnknown()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lokr-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """{ "lokr": { "preset": "full", "factor": 8, "multiplier": 0.5 } }""");
            var config = Kohaku.Data.Config.RunFile.LoadSection<LokrConfig>(path, "lokr");
            Assert.Equal(("full", 8L, 0.5), (config.Preset, config.Factor!.Value, config.Multiplier));
            File.WriteAllText(path, """{ "lokr": { "facter": 8 } }""");
            Assert.Throws<InvalidDataException>(() => Kohaku.Data.Config.RunFile.LoadSection<LokrConfig>(path, "lokr"));
        }
        finally { File.Delete(path); }
    }
}
