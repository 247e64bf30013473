using System.Globalization;
using Kohaku.Data;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace Kohaku.Notebooks;

// Turns a stage's IProgress<StageProgress> into what the reader can see: in VS Code one output
// updated in place (created through the context's Display, whose produced and updated events
// share an id, unlike display(x).Update), headless and outside a kernel throttled lines, so a
// long run leaves a readable log rather than thousands of updates.
public static class Progress
{
    public static readonly TimeSpan DisplayInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    public static IProgress<StageProgress> Create()
    {
        var context = KernelInvocationContext.Current;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (context is not null && !Cell.IsHeadless)
        {
            DisplayedValue? shown = null;
            return new Reporter(() => clock.Elapsed, DisplayInterval, text =>
            {
                if (shown is null) shown = Cell.DisplayInPlace(text, PlainTextFormatter.MimeType);
                else shown.Update(text);
            });
        }
        // In a headless cell Console.Out is captured into the cell's output; outside a kernel
        // (CLI, tests) progress goes to stderr so piped stdout stays clean.
        var writer = context is null ? Console.Error : Console.Out;
        return new Reporter(() => clock.Elapsed, LineInterval, writer.WriteLine);
    }

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
