using System.CommandLine;
using Kohaku.Data.Captions;
using Kohaku.Data.Danbooru;

namespace Kohaku.Cli.Verbs;

internal sealed class CaptionVerb : IVerb
{
    public static Command Build()
    {
        var config = new Option<string?>("--config") { Description = "Run file whose \"caption\" section gives the defaults." };
        var db = new Option<string>("--db") { Description = "The danbooru2023 SQLite file (opened read-only).", Required = true };
        var ids = new Option<string>("--ids") { Description = "Id list from `kohaku select` (duplicates collapse).", Required = true };
        var style = new Option<CaptionStyle?>("--style") { Description = "delta (HakuBooru at the Δ export) or current (HakuBooru HEAD)." };
        var quality = new Option<QualityMode?>("--quality") { Description = "table (HakuBooru's fav_count table) or computed (percentiles of this file)." };
        var output = new Option<string?>("--out") { Description = "captions.jsonl to write ({\"id\":…,\"caption\":\"…\"} per line)." };
        var export = new Option<string?>("--export") { Description = "Folder for <id>.txt captions as HakuBooru writes them; complete files are kept." };
        var command = new Command("caption", "Build HakuBooru captions for an id list.") { config, db, ids, style, quality, output, export };
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output);
            var exportDir = parse.GetValue(export);
            return BadInput.Guard("caption", () =>
            {
                var path = parse.GetValue(config);
                var section = path is null ? new CaptionConfig() : CaptionConfig.Load(path);
                section = (section with { Style = parse.GetValue(style) ?? section.Style, Quality = parse.GetValue(quality) ?? section.Quality }).Validate();
                if (outPath is null && exportDir is null) throw new ArgumentException("give --out FILE.jsonl, --export DIR, or both");
                var list = PostSelector.ReadIds(parse.GetValue(ids)!);
                using var database = DanbooruDb.Open(parse.GetValue(db)!);
                if (outPath is not null) Console.WriteLine($"{outPath}: {CaptionStage.WriteJsonl(database, list, section, outPath)}");
                if (exportDir is not null) Console.WriteLine($"{exportDir}: {CaptionStage.ExportTextFiles(database, list, section, exportDir)}");
            });
        });
        return command;
    }
}
