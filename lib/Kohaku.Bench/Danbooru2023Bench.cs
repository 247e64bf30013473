using System.Diagnostics;
using Kohaku.Samples;

namespace Kohaku.Bench;

// `kohaku bench danbooru2023 [--posts N]`: the data stages at the real file's scale. Generates a
// synthetic database of danbooru2023's size (SampleDbOptions.Danbooru2023: 7.07 M posts, ~35 tags a
// post, ~1 M tags; ≈13 GB), runs the Δ selection and captions on it, and deletes it: at this size a
// file left in the bench folder would be a surprise, and regenerating is part of the figure.
// Run only when named (it takes minutes and the disk space of two SDXL checkpoints).
public sealed class Danbooru2023Bench : IStageBench
{
    public string Stage => "danbooru2023";

    public bool OnlyWhenNamed => true;

    public IReadOnlyList<BenchRow> Run(BenchOptions options, TextWriter log, CancellationToken cancel)
    {
        var db = SampleDbOptions.Danbooru2023(options.Posts ?? (options.Quick ? 20_000 : SampleDbOptions.Danbooru2023Posts));
        var path = Path.Combine(options.WorkDir, $"danbooru2023-synthetic-{db.Posts}.db");
        log.WriteLine($"{Stage}: generating {db.Posts:N0} posts ({db.LongTailTags + db.Artists:N0}+ tags) into {path}...");
        MachineState.ResetPeakRss();
        var gen = Stopwatch.StartNew();
        SampleDatabase.Generate(path, db);
        gen.Stop();
        var genPeak = MachineState.PeakRssBytes();
        try
        {
            var size = new FileInfo(path).Length;
            var rows = new List<BenchRow>
            {
                new(Stage, "generate synthetic db", $"{gen.Elapsed.TotalSeconds:F1} s ({db.Posts / gen.Elapsed.TotalSeconds:N0} posts/s)", "",
                    $"peak RSS {(genPeak is { } p ? $"{p / 1e9:F2} GB" : "n/a")}; {db.Posts:N0} posts, {size / 1e9:F2} GB" + (options.Quick ? "; quick mode" : "")),
            };
            rows.AddRange(DataStageBench.SelectAndCaption(Stage, path, log, cancel));
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
