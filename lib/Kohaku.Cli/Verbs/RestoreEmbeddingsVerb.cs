using System.CommandLine;
using Kohaku.Diffusion.Merge;

namespace Kohaku.Cli.Verbs;

internal sealed class RestoreEmbeddingsVerb : IVerb
{
    public static Command Build()
    {
        var from = new Option<string>("--from") { Description = "Reference checkpoint whose text-encoder embeddings are put back.", Required = true };
        var into = new Option<string>("--into") { Description = "Fine-tuned checkpoint.", Required = true };
        var output = new Option<string>("--out") { Description = "Output checkpoint.", Required = true };
        var command = new Command("restore-embeddings", "Restore TE1/TE2 token and position embeddings from a reference checkpoint.") { from, into, output };
        command.SetAction(parse => BadInput.Guard("restore-embeddings", () =>
        {
            foreach (var key in EmbeddingRestore.Run(parse.GetValue(from)!, parse.GetValue(into)!, parse.GetValue(output)!))
                Console.WriteLine($"restored {key}");
            Console.WriteLine(parse.GetValue(output));
            return 0;
        }));
        return command;
    }
}
