using System.Diagnostics;

namespace Kohaku.Bench;

// A child process watched from outside: its output lines and its resident set (VmRSS, VmHWM, RssAnon
// from /proc/<pid>/status) every 100 ms, each stamped with seconds since it started. VmHWM only grows,
// so a phase's peak is exact when it set a new high, and the highest sampled VmRSS otherwise. RssAnon
// leaves out mapped file pages: a checkpoint being read through its memory map counts in VmRSS.
public sealed class MeasuredProcess
{
    private const int SampleMilliseconds = 100;

    public sealed record Sample(double Seconds, long Rss, long Hwm, long Anon);
    public sealed record Line(double Seconds, string Text);

    private readonly List<Sample> samples = [];
    private readonly List<Line> lines = [];
    private readonly Stopwatch clock = new();

    // Seconds since the process started.
    public double Now => clock.Elapsed.TotalSeconds;

    public IReadOnlyList<Line> Lines { get { lock (lines) return [.. lines]; } }
    public double WallSeconds { get; private set; }
    public int ExitCode { get; private set; }
    // When killWhen held and the process was sent SIGKILL; null if it ended by itself.
    public double? KilledAt { get; private set; }

    public long PeakBytes => samples.Count == 0 ? 0 : samples.Max(s => s.Hwm);

    // The highest sampled anonymous resident set (the process's own memory, no mapped files).
    public long PeakAnonBytes => samples.Count == 0 ? 0 : samples.Max(s => s.Anon);

    // Runs `command[0] command[1..] arguments` to its end, or until killWhen (checked every sample) holds.
    public static MeasuredProcess Run(IReadOnlyList<string> command, IEnumerable<string> arguments, TextWriter log,
        Func<MeasuredProcess, bool>? killWhen = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = new MeasuredProcess();
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1).Concat(arguments)) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        log.WriteLine($"rehearsal: kohaku {string.Join(' ', start.ArgumentList.Skip(command.Count - 1))}");
        run.clock.Start();
        using var process = Process.Start(start) ?? throw new IOException($"cannot start {command[0]}");
        void Keep(string? text)
        {
            if (text is null) return;
            lock (run.lines) run.lines.Add(new Line(run.clock.Elapsed.TotalSeconds, text));
            log.WriteLine($"  {text}");
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (!process.WaitForExit(SampleMilliseconds))
        {
            if (MachineState.Status($"{process.Id}") is { } s) run.samples.Add(new Sample(run.clock.Elapsed.TotalSeconds, s.Rss, s.Hwm, s.Anon));
            if (run.KilledAt is null && killWhen?.Invoke(run) == true)
            {
                run.KilledAt = run.clock.Elapsed.TotalSeconds;
                process.Kill();
            }
        }
        process.WaitForExit();
        run.WallSeconds = run.clock.Elapsed.TotalSeconds;
        run.ExitCode = process.ExitCode;
        return run;
    }

    // Seconds at which the first line matching `match` arrived.
    public double? TimeOf(Func<string, bool> match) => Lines.FirstOrDefault(l => match(l.Text))?.Seconds;

    // The highest resident set between from and to (seconds since start).
    public long PeakBetween(double from, double to)
    {
        var before = samples.LastOrDefault(s => s.Seconds <= from);
        var inside = samples.Where(s => s.Seconds > from && s.Seconds <= to + SampleMilliseconds / 1000.0).ToList();
        if (inside.Count == 0) return before?.Rss ?? 0;
        var hwm = inside.Max(s => s.Hwm);
        return hwm > (before?.Hwm ?? 0) ? hwm : inside.Max(s => s.Rss);
    }

    // The resident set at a moment: the last sample at or before it.
    public long RssAt(double seconds) => samples.LastOrDefault(s => s.Seconds <= seconds)?.Rss ?? 0;

    // The highest sampled anonymous resident set between from and to.
    public long AnonPeakBetween(double from, double to) =>
        samples.Where(s => s.Seconds > from && s.Seconds <= to + SampleMilliseconds / 1000.0).Select(s => s.Anon).DefaultIfEmpty(0).Max();
}
