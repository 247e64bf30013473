using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Kohaku.Bench;
using Kohaku.Data.IO;

namespace Kohaku.Cli.Verbs;

internal sealed class BenchVerb : IVerb
{
    public static Command Build()
    {
        var stage = new Argument<string[]>("stage") { Description = "Stages to run (data, images, models, merge, train, parallel, danbooru2023, rehearsal); all but danbooru2023 and rehearsal when none.", Arity = ArgumentArity.ZeroOrMore };
        var quick = new Option<bool>("--quick") { Description = "Small sizes, for a smoke run; not for reporting." };
        var outDir = new Option<string>("--out") { Description = "Folder for the report and scratch files.", DefaultValueFactory = _ => Workspace.PathTo("runs") };
        var posts = new Option<int?>("--posts") { Description = "Posts in the synthetic database of the data stages (danbooru2023: 7,073,868 by default)." };
        var batch = new Option<int?>("--batch") { Description = "rehearsal: the second micro-batch size it measures (4, the Δ recipe's, by default; 2 to save time)." };
        var rowsFile = new Option<string?>("--rows") { Description = "Write the rows as JSON to this file instead of a report (used for one stage per process).", Hidden = true };
        var command = new Command("bench", "Run stage benchmarks and write one markdown table to runs/bench-<timestamp>.md.") { stage, quick, outDir, posts, batch, rowsFile };
        command.SetAction(async (parse, cancel) =>
        {
            var benches = StageBenches().ToList();
            var wanted = parse.GetValue(stage) ?? [];
            var unknown = wanted.Except(benches.Select(b => b.Stage)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"bench: unknown stage(s) {string.Join(", ", unknown)}; known: {string.Join(", ", benches.Select(b => b.Stage).Distinct())}");
                return 2;
            }
            if (parse.GetValue(batch) is < 1 and var tooSmall)
            {
                Console.Error.WriteLine($"bench: --batch {tooSmall} must be ≥ 1");
                return 2;
            }
            var dir = Path.GetFullPath(parse.GetValue(outDir)!);
            var work = Path.Combine(dir, "bench-work");
            Directory.CreateDirectory(work);
            var selected = benches.Where(b => wanted.Length == 0 ? !b.OnlyWhenNamed : wanted.Contains(b.Stage)).ToList();
            var stages = selected.Select(b => b.Stage).Distinct().ToList();
            var rows = new List<BenchRow>();
            if (stages.Count > 1)
            {
                // One process per stage, so each stage's peak memory is its own (VmHWM cannot forget
                // what an earlier stage's full-size UNet left in the allocator).
                foreach (var name in stages)
                    rows.AddRange(await RunStageProcess(name, dir, parse.GetValue(quick), parse.GetValue(posts), parse.GetValue(batch), cancel));
            }
            else
            {
                foreach (var bench in selected)
                {
                    Console.Error.WriteLine($"bench: {bench.Stage}...");
                    rows.AddRange(bench.Run(new BenchOptions(work, parse.GetValue(quick), parse.GetValue(posts), parse.GetValue(batch)), Console.Error, cancel));
                }
            }
            if (parse.GetValue(rowsFile) is { } rowsPath)
            {
                AtomicFile.WriteAllText(rowsPath, JsonSerializer.Serialize(rows));
                return 0;
            }
            var table = BenchTable.ToMarkdown(rows);
            var report = Path.Combine(dir, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
            AtomicFile.WriteAllText(report, $"# kohaku bench\n\n{Kohaku.Diffusion.TorchRuntime.Describe()}, {Environment.ProcessorCount} cores\n\n{table}");
            Console.WriteLine(table);
            Console.WriteLine($"report: {report}");
            return 0;
        });
        return command;
    }

    private static async Task<IReadOnlyList<BenchRow>> RunStageProcess(string stage, string dir, bool quick, int? posts, int? batch, CancellationToken cancel)
    {
        var rowsPath = Path.Combine(dir, "bench-work", $"rows-{stage}.json");
        File.Delete(rowsPath);
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under `dotnet kohaku.dll` the host needs the assembly; the apphost `kohaku` does not.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(BenchVerb).Assembly.Location);
        foreach (var arg in new[] { "bench", stage, "--out", dir, "--rows", rowsPath })
            start.ArgumentList.Add(arg);
        if (quick) start.ArgumentList.Add("--quick");
        if (posts is { } n)
        {
            start.ArgumentList.Add("--posts");
            start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (batch is { } b)
        {
            start.ArgumentList.Add("--batch");
            start.ArgumentList.Add(b.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync(cancel);
        if (child.ExitCode != 0 || !File.Exists(rowsPath))
            return [new BenchRow(stage, "benchmark", $"failed (exit code {child.ExitCode})")];
        return JsonSerializer.Deserialize<List<BenchRow>>(File.ReadAllText(rowsPath)) ?? [];
    }

    private static IEnumerable<IStageBench> StageBenches() =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Concat(KohakuAssemblies())
            .Distinct()
            .Where(a => a.GetName().Name?.StartsWith("Kohaku.", StringComparison.Ordinal) == true)
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IStageBench).IsAssignableFrom(t))
            .Select(t => (IStageBench)Activator.CreateInstance(t)!)
            .OrderBy(b => Array.IndexOf(StageOrder, b.Stage) is var i && i < 0 ? int.MaxValue : i);

    private static readonly string[] StageOrder = ["data", "images", "models", "merge", "train", "parallel", "danbooru2023", "rehearsal"];

    // Referenced assemblies load lazily; touch one type of each so their benches are visible.
    private static IEnumerable<System.Reflection.Assembly> KohakuAssemblies() =>
        [typeof(BenchRow).Assembly, typeof(Kohaku.Diffusion.TorchRuntime).Assembly, System.Reflection.Assembly.Load("Kohaku.Training")];
}
