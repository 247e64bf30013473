using Kohaku.Diffusion.Nn;
using Kohaku.Data.Images;
using Kohaku.Diffusion.Lokr;
using Kohaku.Diffusion.Sdxl;
using Kohaku.Diffusion.Tokenizer;
using Kohaku.Training.Config;
using Kohaku.Training.Lokr;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Bench;

// Eight synthetic images in two buckets and a vocabulary learned from their captions: the
// training step's inputs without the image and caption stages.
internal static class BenchTask
{
    public static SdxlLokrTask Create(SdxlModels models, LokrNetwork network, TrainConfig config, string dir)
    {
        string[] tags = ["1girl", "solo", "long hair", "smile", "blue eyes", "outdoors", "sky", "dress", "standing", "tree"];
        var samples = Enumerable.Range(1, 8).Select(i =>
        {
            var (w, h) = i % 2 == 0 ? (64, 64) : (64, 96);
            var caption = $"{tags[i % 3]} ||| " + string.Join(", ", tags.Skip(3).Where((_, k) => (k + i) % 2 == 0));
            return new TrainSample(i, caption, new BucketAssignment(i, [w, h], [w, h], [h, w], [0, 0], [h, w], 0));
        }).ToList();
        var tokDir = Path.Combine(dir, "tokenizer");
        ClipVocabBuilder.Write(ClipVocabBuilder.Build(samples.Select(s => s.Caption)), tokDir);
        var tokenizer = ClipTokenizer.FromFolder(tokDir);
        ProcessedImage Load(long id)
        {
            var s = samples[(int)id - 1];
            var (w, h) = (s.Bucket.Bucket[0], s.Bucket.Bucket[1]);
            using var gen = new Generator((ulong)id);
            using var pixels = rand([3 * w * h], generator: gen).Times(2f).Plus(-1);
            var bucket = new BucketSize(w, h);
            return new ProcessedImage(id, pixels.data<float>().ToArray(), new BucketChoice(bucket, w, h, 0), 0, 0, SdxlSizeMetadata.For(bucket, w, h));
        }
        return new SdxlLokrTask(models, network, tokenizer, samples, Load, config, new LatentCache(Path.Combine(dir, "latents"), config.Seed), CPU);
    }
}
