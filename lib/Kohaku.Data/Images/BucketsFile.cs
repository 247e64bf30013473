using System.Text.Json;
using Kohaku.Data.Config;
using Kohaku.Data.IO;

namespace Kohaku.Data.Images;

// workDir/buckets.json: the resolved config (so a later stage or a resume reads back what was
// used), the count per bucket, one assignment per image, and the skipped images with reasons
// (also written alone as skipped.json, the stage's fixed name for the report).
public sealed record BucketsFile(BucketConfig Config, IReadOnlyList<BucketCount> Buckets, IReadOnlyList<BucketAssignment> Images, IReadOnlyList<SkippedImage> Skipped)
{
    public const string FileName = "buckets.json";
    public const string SkippedFileName = "skipped.json";

    public static BucketsFile From(BucketConfig config, IReadOnlyList<BucketAssignment> images, IReadOnlyList<SkippedImage> skipped) => new(
        config,
        [.. images.GroupBy(i => i.BucketSize).OrderBy(g => g.Key).Select(g => new BucketCount(g.Key.Width, g.Key.Height, g.Count()))],
        images,
        skipped);

    public void Write(string path)
    {
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunFile.Json));
        AtomicFile.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, SkippedFileName), JsonSerializer.Serialize(Skipped, RunFile.Json));
    }

    public static BucketsFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"buckets file not found: {path}", path);
        try
        {
            var file = JsonSerializer.Deserialize<BucketsFile>(File.ReadAllBytes(path), RunFile.Json) ?? throw new InvalidDataException($"{path}: empty");
            return file.Config.Problems() is [_, ..] problems ? throw new InvalidDataException($"{path}: config: {string.Join("; ", problems)}") : file;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a buckets file: {RunFile.Describe(e)}", e);
        }
    }
}

public sealed record BucketCount(int Width, int Height, int Count);
