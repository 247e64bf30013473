using Kohaku.Data.Danbooru;
using Kohaku.Samples;

namespace Kohaku.Data.Tests.Sample;

// One synthetic database per test class (generation is deterministic, so every class sees the same rows).
public sealed class SampleDbFixture : IDisposable
{
    public SampleDbFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "kohaku-danbooru-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        Path600 = Path.Combine(Dir, "sample.db");
        SampleDatabase.Generate(Path600, new SampleDbOptions(600, Seed: 3));
    }

    public string Dir { get; }
    public string Path600 { get; }

    public string Make(string name, SampleDbOptions options)
    {
        var path = Path.Combine(Dir, name);
        if (!File.Exists(path)) SampleDatabase.Generate(path, options);
        return path;
    }

    public DanbooruDb Open() => DanbooruDb.Open(Path600);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
