using Kohaku.Samples;
using System.Diagnostics;
using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;

namespace Kohaku.Bench;

// `kohaku bench data`: the Δ selection plus a caption for every selected post, end to end, on a
// synthetic 1 M-post file (~30 tags a post) generated once into the bench folder and reused.
public sealed class DataStageBench : IStageBench
{
    public string Stage => "data";

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var posts = options.Quick ? 20_000 : 1_000_000;
        var path = Path.Combine(options.WorkDir, $"danbooru-synthetic-{posts}.db");
        var rows = new List<BenchRow>();
        if (!File.Exists(path))
        {
            log.WriteLine($"data: generating {posts:N0} posts into {path}...");
            var gen = Stopwatch.StartNew();
            SampleDatabase.Generate(path, new SampleDbOptions(posts, Seed: 1));
            rows.Add(new BenchRow(Stage, "generate synthetic db", $"{gen.Elapsed.TotalSeconds:F1} s ({posts / gen.Elapsed.TotalSeconds:N0} posts/s)"));
        }
        rows.AddRange(SelectAndCaption(Stage, path, log, cancel));
        rows.Add(new BenchRow(Stage, "synthetic database", $"{posts:N0} posts, {new FileInfo(path).Length / 1e9:F2} GB", "", options.Quick ? "quick mode" : ""));
        return rows;
    }

    // The Δ selection and a caption for every selected post, timed, with the peak working set of these
    // two alone (VmHWM reset first, so a generation just before does not count).
    internal static IReadOnlyList<BenchRow> SelectAndCaption(string stage, string path, TextWriter log, CancellationToken cancel)
    {
        MachineState.ResetPeakRss();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        using var db = DanbooruDb.Open(path);
        var selection = PostSelector.Select(db, SelectionPlan.Delta);
        var selectSeconds = total.Elapsed.TotalSeconds;
        var ids = selection.SortedUniqueIds();
        var builder = CaptionStage.CreateBuilder(db, new CaptionConfig());
        long captions = 0, chars = 0;
        foreach (var (_, caption) in CaptionStage.Captions(db, ids, builder))
        {
            captions++;
            chars += caption.Length;
            if ((captions & 0xFFFF) == 0) cancel.ThrowIfCancellationRequested();
        }
        var seconds = total.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var peak = process.PeakWorkingSet64;
        log.WriteLine($"{stage}: {selection.Ids.Length:N0} draws, {captions:N0} captions, {chars / Math.Max(1, captions)} chars each");
        return
        [
            new BenchRow(stage, "select + caption (delta plan, delta style)", $"{captions / seconds:N0} captions/s",
                "≥ 50,000 captions/s", $"{captions:N0} captions of {selection.Ids.Length:N0} draws in {seconds:F1} s (select {selectSeconds:F1} s)"),
            // The machine may be shared: captions per CPU-second does not depend on what else runs.
            new BenchRow(stage, "captions per CPU-second", $"{captions / cpu:N0}", "", $"{cpu:F1} CPU-s on {Environment.ProcessorCount} cores, load {MachineState.LoadAverage()}"),
            new BenchRow(stage, "peak memory (process working set)", $"{peak / 1e9:F2} GB", "< 1.5 GB"),
        ];
    }
}
