using System.CommandLine;
using Kohaku.Data.Bench;
using Kohaku.Data.IO;

namespace Kohaku.Cli.Verbs;

internal sealed class BenchVerb : IVerb
{
    public static Command Build()
    {
        var stage = new Argument<string[]>("stage") { Description = "Stages to run (data, images, models, merge, train); all when none.", Arity = ArgumentArity.ZeroOrMore };
        var quick = new Option<bool>("--quick") { Description = "Small sizes, for a smoke run; not for reporting." };
        var outDir = new Option<string>("--out") { Description = "Folder for the report and scratch files.", DefaultValueFactory = _ => "runs" };
        var command = new Command("bench", "Run stage benchmarks and write one markdown table to runs/bench-<timestamp>.md.") { stage, quick, outDir };
        command.SetAction((parse, cancel) =>
        {
            var benches = StageBenches().ToList();
            var wanted = parse.GetValue(stage) ?? [];
            var unknown = wanted.Except(benches.Select(b => b.Stage)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"bench: unknown stage(s) {string.Join(", ", unknown)}; known: {string.Join(", ", benches.Select(b => b.Stage))}");
                return Task.FromResult(2);
            }
            var dir = Path.GetFullPath(parse.GetValue(outDir)!);
            var work = Path.Combine(dir, "bench-work");
            Directory.CreateDirectory(work);
            var rows = new List<BenchRow>();
            foreach (var bench in benches.Where(b => wanted.Length == 0 || wanted.Contains(b.Stage)))
            {
                Console.Error.WriteLine($"bench: {bench.Stage}...");
                rows.AddRange(bench.Run(new BenchOptions(work, parse.GetValue(quick)), Console.Error, cancel));
            }
            var table = BenchTable.ToMarkdown(rows);
            var report = Path.Combine(dir, $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
            AtomicFile.WriteAllText(report, $"# kohaku bench\n\n{Kohaku.Diffusion.TorchRuntime.Describe()}, {Environment.ProcessorCount} cores\n\n{table}");
            Console.WriteLine(table);
            Console.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
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

    private static readonly string[] StageOrder = ["data", "images", "models", "merge", "train"];

    // Referenced assemblies load lazily; touch one type of each so their benches are visible.
    private static IEnumerable<System.Reflection.Assembly> KohakuAssemblies() =>
        [typeof(BenchRow).Assembly, typeof(Kohaku.Diffusion.TorchRuntime).Assembly, System.Reflection.Assembly.Load("Kohaku.Training")];
}
