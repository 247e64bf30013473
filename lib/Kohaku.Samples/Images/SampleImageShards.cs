using Kohaku.Data.Images;
using System.Formats.Tar;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using Kohaku.Data.IO;

namespace Kohaku.Samples.Images;

// Writes the sample's pictures in the danbooru2023-webp layout: data-0XXX.tar for the older two
// thirds of the ids and data-1XXX.tar for the newest third (XXX = id mod 1000), members <id>.webp,
// lossy webp at quality 90 as the real dataset (HF-WEBP README). Every `defectEvery`-th post from
// the 8th on gets the next defect in SampleDefect order instead of its picture. Posts without an
// image in the real dataset (SamplePost.HasImage) get no member, and are counted as NoImage.
public static class SampleImageShards
{
    public const int DefectEvery = 40;

    public sealed record Result(int Pictures, IReadOnlyDictionary<long, SampleDefect> Defects, int NoImage, int Shards, long Bytes);

    public static Result Write(string folder, IEnumerable<SamplePost> posts, int defectEvery = DefectEvery)
    {
        var all = posts.ToList();
        var ordered = all.Where(p => p.HasImage).OrderBy(p => p.Id).ToList();
        var defects = new Dictionary<long, SampleDefect>();
        var members = new SortedDictionary<string, List<(string Name, byte[] Data)>>(StringComparer.Ordinal);
        var encoder = new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 90 };
        int pictures = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            var post = ordered[i];
            int series = i >= ordered.Count * 2 / 3 ? 1 : 0;
            var shard = $"data-{series}{post.Id % 1000:D3}.tar";
            byte[] data;
            if (i >= 7 && (i - 7) % defectEvery == 0)
            {
                var defect = (SampleDefect)((i - 7) / defectEvery % Enum.GetValues<SampleDefect>().Length);
                defects[post.Id] = defect;
                if (defect == SampleDefect.Missing) continue;
                data = DefectBytes(defect, post, encoder);
            }
            else
            {
                data = Encode(post, encoder);
                pictures++;
            }
            if (!members.TryGetValue(shard, out var list)) members[shard] = list = [];
            list.Add(($"{post.Id}.webp", data));
        }
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.EnumerateFiles(folder, "data-*.tar")) File.Delete(stale);
        long bytes = 0;
        foreach (var (shard, list) in members)
        {
            var path = Path.Combine(folder, shard);
            AtomicFile.Write(path, stream =>
            {
                using var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true);
                foreach (var (name, data) in list)
                    tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data, writable: false), ModificationTime = DateTimeOffset.UnixEpoch });
            });
            bytes += new FileInfo(path).Length;
        }
        return new Result(pictures, defects, all.Count - ordered.Count, members.Count, bytes);
    }

    private static byte[] Encode(SamplePost post, WebpEncoder encoder)
    {
        using var image = SampleImages.Draw(post);
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static byte[] DefectBytes(SampleDefect defect, SamplePost post, WebpEncoder encoder) => defect switch
    {
        SampleDefect.Truncated => Encode(post, encoder) is var full ? full[..(full.Length / 2)] : [],
        SampleDefect.Empty => [],
        SampleDefect.Garbage => [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 131 + post.Id))],
        SampleDefect.ZeroSize => ZeroSizePng(),
        _ => throw new ArgumentOutOfRangeException(nameof(defect)),
    };

    // Signature, an IHDR declaring 0×0 RGB 8-bit, IEND: well formed (CRCs included) except for the size.
    internal static byte[] ZeroSizePng() =>
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
        0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0, 0xB4, 0xE9, 0xEB, 0x45,
        0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82,
    ];
}
