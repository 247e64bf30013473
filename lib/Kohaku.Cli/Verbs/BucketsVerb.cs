using System.CommandLine;
using Kohaku.Data.Images;

namespace Kohaku.Cli.Verbs;

internal sealed class BucketsVerb : IVerb
{
    public static Command Build()
    {
        var resolution = new Option<int>("--base") { Description = "Base side: buckets hold at most base² pixels.", DefaultValueFactory = _ => 1024 };
        var min = new Option<int>("--min") { Description = "Smallest bucket side.", DefaultValueFactory = _ => 256 };
        var max = new Option<int>("--max") { Description = "Largest bucket side.", DefaultValueFactory = _ => 4096 };
        var step = new Option<int>("--step") { Description = "Bucket sides are multiples of this.", DefaultValueFactory = _ => 64 };
        var command = new Command("buckets", "Print kohya's aspect-ratio bucket list; `buckets assign` places images in buckets.") { resolution, min, max, step };
        command.SetAction(parse =>
        {
            var config = new BucketConfig { Resolution = parse.GetValue(resolution), MinSide = parse.GetValue(min), MaxSide = parse.GetValue(max), Step = parse.GetValue(step) }.Validate();
            var buckets = BucketResolutions.Make(config);
            foreach (var b in buckets) Console.WriteLine($"{b.Width}x{b.Height}\t{b.AspectRatio:F4}");
            Console.WriteLine($"{buckets.Count} buckets");
            return 0;
        });
        return command;
    }
}
