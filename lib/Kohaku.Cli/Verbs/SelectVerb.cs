using System.CommandLine;
using Kohaku.Data.Danbooru;

namespace Kohaku.Cli.Verbs;

internal sealed class SelectVerb : IVerb
{
    public static Command Build()
    {
        var config = new Option<string?>("--config") { Description = "Run file whose \"select\" section gives the defaults." };
        var db = new Option<string?>("--db") { Description = "The danbooru2023 SQLite file (opened read-only)." };
        var plan = new Option<string?>("--plan") { Description = $"Built-in plan ({string.Join(", ", SelectionPlan.BuiltIn)}) or a plan JSON file." };
        var seed = new Option<long?>("--seed") { Description = "Replace the plan's seed." };
        var unique = new Option<bool>("--unique") { Description = "Write each id once (first occurrence); default keeps draw order with duplicates." };
        var output = new Option<string>("--out") { Description = "Id list to write, one post id per line.", Required = true };
        var command = new Command("select", "Select posts with a plan (the Kohaku XL Δ draw by default) and write their ids.") { config, db, plan, seed, unique, output };
        command.SetAction(parse =>
        {
            return BadInput.Guard("select", () =>
            {
                var path = parse.GetValue(config);
                var section = path is null ? new SelectionConfig() : SelectionConfig.Load(path);
                section = section with
                {
                    Db = parse.GetValue(db) ?? section.Db,
                    Plan = parse.GetValue(plan) ?? section.Plan,
                    Seed = parse.GetValue(seed) ?? section.Seed,
                    Unique = parse.GetValue(unique) || section.Unique,
                };
                section.Validate();
                using var database = DanbooruDb.Open(section.Db);
                var result = PostSelector.Select(database, section.ToPlan());
                var outPath = parse.GetValue(output)!;
                PostSelector.WriteIds(outPath, result, section.Unique);
                Console.WriteLine(PostSelector.Summarize(result));
                Console.WriteLine($"wrote {(section.Unique ? result.UniqueCount : result.Ids.LongLength):N0} ids to {outPath}");
            });
        });
        return command;
    }
}
