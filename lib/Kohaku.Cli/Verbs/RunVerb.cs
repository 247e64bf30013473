using System.CommandLine;
using Kohaku.Notebooks.Pipeline;
using Kohaku.Notebooks.Running;

namespace Kohaku.Cli.Verbs;

internal sealed class RunVerb : IVerb
{
    public static Command Build()
    {
        var notebooks = new Argument<string[]>("notebook") { Description = "Notebooks to run in order; none: the main job (notebooks/01-06 on the run file).", Arity = ArgumentArity.ZeroOrMore };
        var param = new Option<string[]>("--param") { Description = "NAME=VALUE overriding the notebook's parameters cell, the cell tagged parameters as papermill reads it (repeatable).", AllowMultipleArgumentsPerToken = false };
        var outDir = new Option<string?>("--out") { Description = "Folder for executed notebooks, reports, index.html and the stage outputs (DIR/work, for every notebook that declares workDir); default runs/<yyyyMMdd-HHmmss>." };
        var config = new Option<string?>("--config") { Description = "The run file (default data/sample.run.json of the workspace), given to every notebook that declares runConfig." };
        var skip = new Option<bool>("--skip-complete") { Description = "With --out of an earlier run: skip notebooks whose executed copy there is complete." };
        var resume = new Option<bool>("--resume") { Description = "Continue the latest run under runs/: notebooks that completed there are skipped, the rest run again." };
        var command = new Command("run", "Run notebooks headless: executed .ipynb + offline HTML report each, index.html with headline figures.") { notebooks, param, outDir, config, skip, resume };
        command.SetAction(async parse =>
        {
            using var stop = new StopSignals("run");
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in parse.GetValue(param) ?? [])
            {
                var eq = p.IndexOf('=');
                if (eq <= 0) { Console.Error.WriteLine($"run: --param wants NAME=VALUE, got '{p}'"); return 2; }
                extra[p[..eq]] = p[(eq + 1)..];
            }
            // A folder of one's own holding notebooks/ is a workspace too; otherwise the checkout's.
            var root = Directory.Exists(Path.Combine(Environment.CurrentDirectory, "notebooks")) ? Environment.CurrentDirectory : Workspace.Root;
            var latest = parse.GetValue(resume) && parse.GetValue(outDir) is null ? RunJob.LatestRunFolder(root) : null;
            var dir = Path.GetFullPath(parse.GetValue(outDir) ?? latest ?? RunJob.NewRunFolder(root));
            var skipComplete = parse.GetValue(skip) || parse.GetValue(resume);
            var list = parse.GetValue(notebooks) ?? [];
            var runConfig = Path.GetFullPath(parse.GetValue(config) ?? Path.Combine(root, "data", "sample.run.json"));
            // The run file and DIR/work go to every notebook that declares them, chosen or the whole job.
            var parameters = RunJob.MainParameters(runConfig, dir, extra);
            if (list.Length == 0)
            {
                list = [.. RunJob.DefaultNotebooks(root)];
                if (list.Length == 0) { Console.Error.WriteLine($"run: no notebooks/0[1-6]-*.ipynb under {root}"); return 2; }
                if (!File.Exists(runConfig)) { Console.Error.WriteLine($"run: run configuration not found: {runConfig}"); return 2; }
                try
                {
                    RunConfig.Load(runConfig).Validate();
                }
                catch (Exception e) when (e is ArgumentException or InvalidDataException)
                {
                    Console.Error.WriteLine($"run: the run configuration has problems, nothing was run: {e.Message}");
                    return 2;
                }
            }
            try
            {
                var results = await RunJob.RunAsync(list, parameters, dir, Console.Error, skipComplete, stop.Token);
                Console.WriteLine(Path.Combine(dir, "index.html"));
                if (stop.Received is not null) return stop.ExitCode;
                return results.All(r => r.Succeeded) && results.Count == list.Length ? 0 : 1;
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException)
            {
                Console.Error.WriteLine($"run: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
