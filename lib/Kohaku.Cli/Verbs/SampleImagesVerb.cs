using System.CommandLine;
using Kohaku.Samples.Images;

namespace Kohaku.Cli.Verbs;

internal sealed class SampleImagesVerb : IVerb
{
    public static Command Build()
    {
        var db = new Option<string>("--db") { Description = "Sample danbooru database to draw the pictures from.", DefaultValueFactory = _ => Workspace.PathTo("data/sample/danbooru.db") };
        var output = new Option<string>("--out") { Description = "Folder for the data-NXXX.tar shards (old shards there are replaced).", DefaultValueFactory = _ => Workspace.PathTo("data/sample/images") };
        var command = new Command("sample-images", "Draw one picture per sample post from its visual tags and write them as webp tar shards, with a few broken on purpose.") { db, output };
        command.SetAction(parse => BadInput.Guard("sample-images", () =>
        {
            var posts = SamplePostReader.Read(parse.GetValue(db)!);
            var result = SampleImageShards.Write(parse.GetValue(output)!, posts);
            foreach (var (id, defect) in result.Defects.OrderBy(d => d.Key)) Console.WriteLine($"{id}\t{defect}");
            Console.WriteLine($"{result.Pictures} pictures, {result.Defects.Count} defects, {result.NoImage} posts without an image, {result.Shards} shards, {result.Bytes / 1024.0 / 1024.0:F2} MiB → {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        }));
        return command;
    }
}
