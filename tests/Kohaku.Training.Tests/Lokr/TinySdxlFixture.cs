using Kohaku.Data.Images;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Lokr;

// The tiny SDXL written as a real single-file checkpoint, loaded back, frozen, with LoKr attached;
// four synthetic images in two buckets (64×64 and 64×96 pixels) and the sample tokenizer.
public sealed class TinySdxlFixture : IDisposable
{
    public TinySdxlFixture() : this(ScalarType.Float32) { }

    internal TinySdxlFixture(ScalarType baseType, LokrConfig? lokr = null)
    {
        Dir = Directory.CreateTempSubdirectory("kohaku-tiny-train-").FullName;
        var basePath = Path.Combine(Dir, "base.safetensors");
        TinyCheckpoint.Create(basePath, 1);
        Models = SdxlCheckpoint.Load(basePath, null, CPU, baseType);
        foreach (var (_, module) in Models.Components())
            foreach (var p in module.parameters()) p.requires_grad = false;
        manual_seed(3);
        Network = LokrNetwork.Build(Models, lokr ?? new LokrConfig(), CPU, ScalarType.Float32);
        var tok = RepositoryFolder("data", "sample", "tokenizer");
        Tokenizer = ClipTokenizer.FromFiles(Path.Combine(tok, "vocab.json"), Path.Combine(tok, "merges.txt"));
        Samples =
        [
            Sample(1, 64, 64, "1girl, solo ||| smile, long hair, blue eyes"),
            Sample(2, 64, 64, "1boy ||| short hair, outdoors"),
            Sample(3, 64, 96, "scenery ||| sky, cloud, tree"),
            Sample(4, 64, 96, "1girl ||| red dress, standing"),
        ];
        using var gen = new Generator(5);
        foreach (var s in Samples)
            Pixels[s.Id] = (rand([3 * s.Bucket.Bucket[0] * s.Bucket.Bucket[1]], generator: gen) * 2 - 1).data<float>().ToArray();
    }

    public string Dir { get; }
    public SdxlModels Models { get; }
    public LokrNetwork Network { get; }
    public ClipTokenizer Tokenizer { get; }
    public IReadOnlyList<TrainSample> Samples { get; }
    public Dictionary<long, float[]> Pixels { get; } = [];
    public int ImageLoads { get; private set; }

    public SdxlLokrTask Task(TrainConfig config, IReadOnlyList<TrainSample>? samples = null, IReadOnlyList<TrainSample>? heldOut = null) =>
        new(Models, Network, Tokenizer, samples ?? Samples, LoadImage, config, new LatentCache(Path.Combine(Dir, "latents"), config.Seed), CPU, heldOut);

    private ProcessedImage LoadImage(long id)
    {
        ImageLoads++;
        var s = Samples.Single(x => x.Id == id);
        var (w, h) = (s.Bucket.Bucket[0], s.Bucket.Bucket[1]);
        var bucket = new BucketSize(w, h);
        return new ProcessedImage(id, Pixels[id], new BucketChoice(bucket, w, h, 0), 0, 0, SdxlSizeMetadata.For(bucket, w, h));
    }

    private static TrainSample Sample(long id, int w, int h, string caption) =>
        new(id, caption, new BucketAssignment(id, [w, h], [w, h], [h, w], [0, 0], [h, w], 0));

    private static string RepositoryFolder(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "KohakuNotebooks.sln")))
                return Path.Combine([dir.FullName, .. parts]);
        throw new DirectoryNotFoundException("repository root (KohakuNotebooks.sln) not found above the test binaries");
    }

    public void Dispose()
    {
        Network.Dispose();
        Models.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
