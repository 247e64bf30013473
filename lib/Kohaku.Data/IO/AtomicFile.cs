namespace Kohaku.Data.IO;

// Every output of every stage goes through here: written under a temporary name in the same
// folder, flushed to disk, then renamed over the final name, so a killed run never leaves a
// half-written file under a name a later stage (or a rerun's "already complete" check) trusts.
public static class AtomicFile
{
    // Where "removed a stale temporary" notices go; the CLI and the notebooks print them.
    public static Action<string> Notice { get; set; } = Console.Error.WriteLine;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Swept = new(StringComparer.Ordinal);

    // ".<final name>.<pid>.<guid>.tmp": the pid tells a dead writer's leftovers from a live one's.
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        SweepOnce(Path.GetDirectoryName(full)!);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (IOException e)
        {
            TryDelete(temp);
            // The user asked for `full`; the hidden temporary's name (in a disk-full message) means nothing to them.
            throw new IOException($"{full}: {e.Message.Replace(temp, full, StringComparison.Ordinal)}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    // A killed writer leaves its temporary behind (up to 7 GB for a merged checkpoint). The first write
    // into a folder in each process removes the temporaries of writers that are no longer running;
    // once per folder, because an export writes millions of files into one.
    private static void SweepOnce(string dir)
    {
        if (Swept.TryAdd(dir, true)) SweepStale(dir);
    }

    // Removes the temporaries of writers that are no longer running from `dir`, naming each.
    public static void SweepStale(string dir)
    {
        Swept[Path.GetFullPath(dir)] = true;
        if (!Directory.Exists(dir)) return;
        foreach (var temp in Directory.EnumerateFiles(dir, ".*.tmp"))
        {
            if (WriterPid(Path.GetFileName(temp)) is not { } pid || IsRunning(pid)) continue;
            long size = 0;
            try { size = new FileInfo(temp).Length; } catch (IOException) { }
            TryDelete(temp);
            if (!File.Exists(temp)) Notice($"removed {temp} ({size:N0} bytes), left by an interrupted write of process {pid}");
        }
    }

    private static int? WriterPid(string name)
    {
        var parts = name.Split('.');
        return parts.Length >= 5 && parts[^1] == "tmp" && int.TryParse(parts[^3], out var pid) && parts[^2].Length == 32 ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var bytes = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(bytes); });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
