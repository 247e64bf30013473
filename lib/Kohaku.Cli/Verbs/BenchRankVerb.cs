using System.CommandLine;
using Kohaku.Bench;
using Kohaku.Training.Distributed;

namespace Kohaku.Cli.Verbs;

// One rank of `kohaku bench parallel`, started by it through mpirun.
internal sealed class BenchRankVerb : IVerb
{
    public static Command Build()
    {
        var part = new Argument<string>("part") { Description = "train or allreduce." };
        var work = new Option<string>("--work") { Description = "The bench's scratch folder.", Required = true };
        var rows = new Option<string>("--rows") { Description = "Rank 0 writes the rows here as JSON.", Required = true };
        var quick = new Option<bool>("--quick") { Description = "Small sizes." };
        var command = new Command("bench-rank", "One rank of `kohaku bench parallel` (started by it under mpirun).") { part, work, rows, quick };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            using var communicator = MpiCommunicator.FromEnvironment();
            ParallelBench.RankPart(parse.GetValue(part)!, new BenchOptions(parse.GetValue(work)!, parse.GetValue(quick)), parse.GetValue(rows)!, communicator, Console.Error);
            return 0;
        });
        return command;
    }
}
