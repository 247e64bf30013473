using System.CommandLine;
using Kohaku.Training.Distributed;
using Kohaku.Data.Images;

namespace Kohaku.Cli.Verbs;

internal sealed class BucketsVerb : IVerb
{
    public static Command Build()
    {
        var resolution = new Option<int>("--base") { Description = "Base side: buckets hold at most base² pixels.", DefaultValueFactory = _ => 1024, Recursive = true };
        var min = new Option<int>("--min") { Description = "Smallest bucket side.", DefaultValueFactory = _ => 256, Recursive = true };
        var max = new Option<int>("--max") { Description = "Largest bucket side.", DefaultValueFactory = _ => 4096, Recursive = true };
        var step = new Option<int>("--step") { Description = "Bucket sides are multiples of this.", DefaultValueFactory = _ => 64, Recursive = true };
        var command = new Command("buckets", "Print kohya's aspect-ratio bucket list; `buckets assign` places images in buckets.") { resolution, min, max, step };
        BucketConfig Config(ParseResult parse) => new() { Resolution = parse.GetValue(resolution), MinSide = parse.GetValue(min), MaxSide = parse.GetValue(max), Step = parse.GetValue(step) };
        command.SetAction(parse => BadInput.Guard("kohaku", () =>
        {
            var buckets = BucketResolutions.Make(Config(parse).Validate());
            foreach (var b in buckets) Console.WriteLine($"{b.Width}x{b.Height}\t{b.AspectRatio:F4}");
            Console.WriteLine($"{buckets.Count} buckets");
            return 0;
        }));
        command.Subcommands.Add(BuildAssign(Config));
        return command;
    }

    private static Command BuildAssign(Func<ParseResult, BucketConfig> baseConfig)
    {
        var images = new Option<string[]>("--images") { Description = "Image folder(s): data-NXXX.tar shards or <id>.<ext> files, searched in order.", Required = true, AllowMultipleArgumentsPerToken = true };
        var ids = new Option<string>("--ids") { Description = "Post ids, one per line (workDir/ids.txt).", Required = true };
        var output = new Option<string>("--out") { Description = "buckets.json to write (skipped.json goes beside it).", DefaultValueFactory = _ => BucketsFile.FileName };
        var noUpscale = new Option<bool>("--no-upscale") { Description = "kohya --bucket_no_upscale: shrink only; buckets follow each image." };
        var randomCrop = new Option<bool>("--random-crop") { Description = "Cut a seeded random window instead of the centre." };
        var seed = new Option<int>("--seed") { Description = "Seed for random crops." };
        var command = new Command("assign", "Decode each selected image, choose its bucket and record the SDXL size metadata; under mpirun the ranks share the decoding.") { images, ids, output, noUpscale, randomCrop, seed };
        command.SetAction(parse => BadInput.Guard("buckets assign", () =>
        {
            using var stop = new StopSignals("buckets assign");
            var config = (baseConfig(parse) with { Images = parse.GetValue(images)!, NoUpscale = parse.GetValue(noUpscale), RandomCrop = parse.GetValue(randomCrop), Seed = parse.GetValue(seed) }).Validate();
            var path = Path.GetFullPath(parse.GetValue(output)!);
            // Under mpirun every rank decodes its share of the ids; rank 0 writes and reports.
            using var communicator = MpiCommunicator.FromEnvironment();
            var result = BucketsByRank.Run(config, parse.GetValue(ids)!, path, communicator, Console.Error.WriteLine, stop.Token);
            if (communicator.Rank != 0) return 0;
            foreach (var b in result.Buckets) Console.WriteLine($"{b.Width}x{b.Height}\t{b.Count}");
            foreach (var s in result.Skipped) Console.WriteLine($"skipped {s.Id}: {s.Reason}: {s.Detail}");
            Console.WriteLine($"{result.Images.Count} images in {result.Buckets.Count} buckets, {result.Skipped.Count} skipped → {path}");
            return stop.Received is null ? 0 : stop.ExitCode;
        }));
        return command;
    }
}
