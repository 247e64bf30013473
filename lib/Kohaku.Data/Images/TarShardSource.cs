using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Kohaku.Data.Images;

// The danbooru2023-webp layout: `data-NXXX.tar` with XXX = id mod 1000 (three digits) and N the
// series (0, 1, 2 today). A post is looked up in the shards of its bucket in ascending N, first
// match wins (HakuBooru TarSource, after its eeab43e fix that reads data-0XXX too). Each shard is
// indexed on first use and the index kept for the source's lifetime.
public sealed partial class TarShardSource : IImageSource, IDisposable
{
    private readonly Dictionary<int, string[]> shardsByBucket;
    private readonly ConcurrentDictionary<string, Lazy<TarShardIndex>> indexes = new();
    private readonly Action<string>? warning;

    public TarShardSource(string folder, Action<string>? warning = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        this.warning = warning;
        shardsByBucket = Directory.EnumerateFiles(folder, "data-*.tar")
            .Select(path => (path, match: ShardName().Match(Path.GetFileName(path))))
            .Where(p => p.match.Success)
            .Select(p => (p.path, number: int.Parse(p.match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .GroupBy(p => p.number % 1000)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.number).Select(p => p.path).ToArray());
    }

    public static bool HasShards(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateFiles(folder, "data-*.tar").Any(p => ShardName().IsMatch(Path.GetFileName(p)));

    public ImageBytes? Find(long id)
    {
        if (id < 0 || !shardsByBucket.TryGetValue((int)(id % 1000), out var shards)) return null;
        foreach (var shard in shards)
        {
            var index = Index(shard);
            if (index.TryGet(id, out var member))
                return new ImageBytes(id, member.Extension, index.Read(member), $"{Path.GetFileName(shard)}:{member.Name}");
        }
        return null;
    }

    private TarShardIndex Index(string shard) =>
        indexes.GetOrAdd(shard, s => new Lazy<TarShardIndex>(() => TarShardIndex.Build(s, warning))).Value;

    public void Dispose()
    {
        foreach (var index in indexes.Values.Where(l => l.IsValueCreated)) index.Value.Dispose();
    }

    [GeneratedRegex(@"^data-(\d+)\.tar$")]
    private static partial Regex ShardName();
}
