using System.Globalization;

namespace Kohaku.Bench;

// What the benches report about the machine beside their figures, read from Linux's /proc;
// "n/a" or null elsewhere.
public static class MachineState
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    // VmHWM: the process's resident-set high-water mark.
    public static long? PeakRssBytes() => Status("self")?.Hwm;

    // VmRSS, VmHWM and RssAnon (bytes) of /proc/<pid>/status; null where it cannot be read (not Linux,
    // or the process has gone).
    public static (long Rss, long Hwm, long Anon)? Status(string pid)
    {
        try
        {
            long rss = 0, hwm = 0, anon = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kilobytes(line);
            }
            return (rss, hwm, anon);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    // Writing "5" to clear_refs resets VmHWM to the current resident set (Linux ≥ 4.0).
    public static void ResetPeakRss()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
