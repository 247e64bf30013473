using System.Globalization;
using Kohaku.Data;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks;

// Turns a stage's IProgress<StageProgress> into what the reader can see: inside a kernel one
// output updated in place (created through the context's Display, whose produced and updated
// events share an id, unlike display(x).Update). In VS Code it is redrawn live; headless
// (`kohaku run`) it changes at most every LineInterval and counts its updates, so the report keeps
// one summary line where a long run had thousands (the runner echoes each one to its console).
// Outside a kernel, throttled lines on stderr.
public static class Progress
{
    public static readonly TimeSpan DisplayInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    public static IProgress<StageProgress> Create()
    {
        var context = KernelInvocationContext.Current;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Outside a kernel (CLI, tests) progress goes to stderr so piped stdout stays clean.
        if (context is null) return new Reporter(() => clock.Elapsed, LineInterval, Console.Error.WriteLine);
        var headless = Cell.IsHeadless;
        DisplayedValue? shown = null;
        var updates = 0;
        return new Reporter(() => clock.Elapsed, headless ? LineInterval : DisplayInterval, line =>
        {
            var text = headless ? Summary(line, ++updates) : line;
            if (shown is null) shown = KernelInvocationContextExtensions.Display(context, text, PlainTextFormatter.MimeType);
            else shown.Update(text);
        });
    }

    // The last line, and how many lines the live console showed in all.
    internal static string Summary(string line, int updates) =>
        updates == 1 ? line : string.Create(CultureInfo.InvariantCulture, $"{line} [{updates:N0} updates]");

    public static string Format(StageProgress p, TimeSpan elapsed)
    {
        var text = p.Total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Stage}: {p.Done}/{p.Total} ({p.Fraction * 100:F1}%)")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Stage}: {p.Done}");
        text += string.Create(CultureInfo.InvariantCulture, $", {elapsed.TotalSeconds:F0} s");
        if (p.Total > 0 && p.Done > 0 && p.Done < p.Total)
            text += string.Create(CultureInfo.InvariantCulture, $", ~{elapsed.TotalSeconds * (p.Total - p.Done) / p.Done:F0} s left");
        return p.Detail is { Length: > 0 } detail ? $"{text}, {detail}" : text;
    }

    // Shows the first report, then at most one per interval, and always the final one (Done ==
    // Total), so the last state a reader sees is the true end.
    internal sealed class Reporter(Func<TimeSpan> clock, TimeSpan interval, Action<string> show) : IProgress<StageProgress>
    {
        private readonly Lock _gate = new();
        private TimeSpan? _last;

        public void Report(StageProgress value)
        {
            lock (_gate)
            {
                var now = clock();
                var final = value.Total > 0 && value.Done >= value.Total;
                if (!final && _last is { } last && now - last < interval) return;
                _last = now;
                show(Format(value, now));
            }
        }
    }
}
