using Kohaku.Diffusion.Sdxl;

namespace Kohaku.Diffusion.Tests.Sdxl;

public sealed class CheckpointSourceTests
{
    [Theory]
    [InlineData("tiny:0", true, 0)]
    [InlineData("tiny:42", true, 42)]
    [InlineData("tiny:-1", false, 0)]
    [InlineData("tiny:", false, 0)]
    [InlineData("tiny:1.5", false, 0)]
    [InlineData("models/tiny:1.safetensors", false, 0)]
    public void IsTiny_Spec_ParsesOnlyNonNegativeIntegerSeeds(string spec, bool expected, int expectedSeed)
    {
        Assert.Equal(expected, CheckpointSource.IsTiny(spec, out var seed));
        Assert.Equal(expectedSeed, seed);
    }

    [Fact]
    public void PathOf_TinySpec_IsInCacheBesideRunFile()
    {
        Assert.Equal(Path.GetFullPath("/runs/x/cache/tiny-7.safetensors"), CheckpointSource.PathOf("/runs/x/run.json", "tiny:7"));
        Assert.Equal(Path.GetFullPath("/runs/x/models/a.safetensors"), CheckpointSource.PathOf("/runs/x/run.json", "models/a.safetensors"));
    }

    [Fact]
    public void Problem_MissingFileOrBadTinySpec_NamesIt()
    {
        Assert.Null(CheckpointSource.Problem("/runs/x/run.json", "tiny:3"));
        Assert.Contains("tiny:x", CheckpointSource.Problem("/runs/x/run.json", "tiny:x"));
        Assert.Contains("/runs/x/nope.safetensors", CheckpointSource.Problem("/runs/x/run.json", "nope.safetensors"));
    }

    [Fact]
    public void Materialize_TinySpec_WritesTheSeedsCheckpointOnce()
    {
        var dir = Directory.CreateTempSubdirectory("kohaku-source-").FullName;
        try
        {
            var runFile = Path.Combine(dir, "run.json");
            var path = CheckpointSource.Materialize(runFile, "tiny:5");
            Assert.True(File.Exists(path));
            var written = File.GetLastWriteTimeUtc(path);
            Assert.Equal(path, CheckpointSource.Materialize(runFile, "tiny:5"));
            Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
