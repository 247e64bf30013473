using Kohaku.Training.Lokr;

namespace Kohaku.Training.Tests.Lokr;

public class TrainPathsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kohaku-paths-").FullName;

    [Fact]
    public void FromRunFile_RelativeSectionPaths_ResolveAgainstTheRunFile()
    {
        var runFile = Path.Combine(_dir, "run.json");
        File.WriteAllText(runFile, """{ "buckets": { "images": ["shards", "/abs/images"] }, "train": { "tokenizer": "tok" } }""");
        var paths = TrainPaths.FromRunFile(runFile, Path.Combine(_dir, "work"));
        Assert.Equal([Path.Combine(_dir, "shards"), "/abs/images"], paths.ImageFolders);
        Assert.Equal(Path.Combine(_dir, "tok"), paths.TokenizerDir);
        Assert.Equal(Path.Combine(_dir, "work", "base.safetensors"), paths.BaseCheckpoint);
        Assert.Equal(Path.Combine(_dir, "work", "lokr.safetensors"), paths.LokrOutput);
        Assert.Equal(Path.Combine(_dir, "work", "train"), paths.TrainDir);
    }

    [Fact]
    public void Problems_MissingInputs_NameEachFile()
    {
        var paths = TrainPaths.ForWorkDir(Path.Combine(_dir, "empty"), Path.Combine(_dir, "tok"), []);
        var problems = string.Join("\n", paths.Problems());
        foreach (var name in new[] { "base.safetensors", "buckets.json", "captions.jsonl", "vocab.json", "merges.txt" })
            Assert.Contains(name, problems);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
