using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;

namespace Kohaku.Data.Images;

// The members of one shard tar, found once by walking its headers (the data is skipped by seeking,
// so a 1 GB shard costs a few thousand header reads), then read by offset without unpacking.
// Reads go through RandomAccess on one handle, so threads share the index without a stream position.
public sealed class TarShardIndex : IDisposable
{
    private readonly Dictionary<long, TarMember> members;
    private readonly SafeFileHandle handle;

    public readonly record struct TarMember(string Name, string Extension, long DataOffset, long Length);

    private TarShardIndex(string path, Dictionary<long, TarMember> members)
    {
        Path = path;
        this.members = members;
        handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    public string Path { get; }
    public int Count => members.Count;

    // Scans the headers; the first member of an id wins, as in HakuBooru's TarSource. A damaged
    // header ends the scan with what was found before it, and is reported through `warning`.
    public static TarShardIndex Build(string path, Action<string>? warning = null)
    {
        var members = new Dictionary<long, TarMember>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new TarReader(stream, leaveOpen: true);
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                // webdataset shards also carry <id>.txt / .json beside the image: only images are indexed.
                if (!ImageFileName.TryParse(entry.Name, out var id, out var ext) || !ImageFileName.Extensions.Contains(ext)) continue;
                if (entry.Length > Array.MaxLength || entry.DataOffset + entry.Length > stream.Length)
                {
                    // Whatever follows such a member is not where its header says: the scan ends here.
                    warning?.Invoke($"{path}: member {entry.Name} claims {entry.Length:N0} bytes, more than the {Math.Max(0, stream.Length - entry.DataOffset):N0} left in the file; it and the rest are unreadable");
                    break;
                }
                members.TryAdd(id, new TarMember(entry.Name, ext, entry.DataOffset, entry.Length));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            warning?.Invoke($"{path}: tar damaged after {members.Count} members ({e.Message}); the rest is unreadable");
        }
        return new TarShardIndex(path, members);
    }

    public bool TryGet(long id, out TarMember member) => members.TryGetValue(id, out member);

    public IEnumerable<long> Ids => members.Keys;

    // The member's bytes; fewer than its header promised means the tar itself was cut short.
    public byte[] Read(TarMember member)
    {
        var data = new byte[member.Length];
        int read = 0;
        while (read < data.Length)
        {
            int n = RandomAccess.Read(handle, data.AsSpan(read), member.DataOffset + read);
            if (n == 0) throw new EndOfStreamException($"{Path}: member {member.Name} ends at byte {read} of {member.Length}");
            read += n;
        }
        return data;
    }

    public void Dispose() => handle.Dispose();
}
