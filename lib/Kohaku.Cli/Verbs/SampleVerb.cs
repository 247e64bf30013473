using System.CommandLine;
using Kohaku.Data.Danbooru;
using Kohaku.Samples;

namespace Kohaku.Cli.Verbs;

internal sealed class SampleVerb : IVerb
{
    public static Command Build()
    {
        var posts = new Option<int>("--posts") { Description = "Number of posts.", DefaultValueFactory = _ => 600 };
        var seed = new Option<long>("--seed") { Description = "Generator seed (same seed, same file).", DefaultValueFactory = _ => 1 };
        var maxId = new Option<long>("--max-id") { Description = "Ids are spread over 1..max-id like the real file's.", DefaultValueFactory = _ => 7_900_000 };
        var schema = new Option<SchemaVersion>("--schema") { Description = "Layout: V31 (HakuBooru HEAD), V3, V2 (the Δ-era file), V1TagList.", DefaultValueFactory = _ => SchemaVersion.V31 };
        var output = new Option<string>("--out") { Description = "SQLite file to write (atomically).", Required = true };
        var db = new Command("db", "Generate a synthetic danbooru2023 database in the exact schema.") { posts, seed, maxId, schema, output };
        db.SetAction(parse => BadInput.Guard("sample db", () =>
        {
            var options = new SampleDbOptions(parse.GetValue(posts), parse.GetValue(seed), parse.GetValue(maxId), parse.GetValue(schema));
            var path = parse.GetValue(output)!;
            var started = System.Diagnostics.Stopwatch.StartNew();
            SampleDatabase.Generate(path, options);
            Console.WriteLine($"{path}: {options.Posts:N0} posts, {new FileInfo(path).Length / 1e6:F1} MB, {started.Elapsed.TotalSeconds:F1} s");
        }));
        var command = new Command("sample", "Synthetic sample data.");
        command.Subcommands.Add(db);
        return command;
    }
}
