using Kohaku.Data.IO;

namespace Kohaku.Data.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_FolderWithDeadWritersTemporary_RemovesItAndSaysSo_KeepsLiveOnes()
    {
        // pid 2147483000 is above Linux's pid_max, so no such writer runs; this process's own is live.
        var dead = Path.Combine(_dir, ".merged.safetensors.2147483000.0123456789abcdef0123456789abcdef.tmp");
        var live = Path.Combine(_dir, $".merged.safetensors.{Environment.ProcessId}.fedcba9876543210fedcba9876543210.tmp");
        var notUs = Path.Combine(_dir, ".notes.tmp");
        File.WriteAllBytes(dead, new byte[1234]);
        File.WriteAllBytes(live, [1]);
        File.WriteAllBytes(notUs, [1]);
        var notices = new List<string>();
        var previous = AtomicFile.Notice;
        AtomicFile.Notice = notices.Add;
        try
        {
            AtomicFile.WriteAllText(Path.Combine(_dir, "merged.safetensors"), "x");
        }
        finally { AtomicFile.Notice = previous; }

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(notUs));
        var notice = Assert.Single(notices);
        Assert.Contains(dead, notice);
        Assert.Contains("1,234 bytes", notice);
        Assert.Contains("2147483000", notice);
    }

    [Fact]
    public void Write_FailingWrite_NamesTheOutputNotTheTemporary_AndLeavesNothing()
    {
        var output = Path.Combine(_dir, "lokr.safetensors");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(output, s =>
            throw new IOException($"No space left on device : '{((FileStream)s).Name}'")));

        Assert.Equal($"{output}: No space left on device : '{output}'", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
