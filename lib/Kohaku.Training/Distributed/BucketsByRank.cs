using System.Text.Json;
using Kohaku.Data.Config;
using Kohaku.Data.Images;
using Kohaku.Data.IO;

namespace Kohaku.Training.Distributed;

// `mpirun -np N kohaku buckets assign`: decoding is the stage's cost, so rank r decodes the r-th
// of N contiguous runs of the id list and writes its part beside the output; rank 0 joins the parts
// in rank order into the very buckets.json (and skipped.json) that one process writes.
public static class BucketsByRank
{
    public static BucketsFile Run(BucketConfig config, string idsPath, string bucketsPath, ICommunicator communicator, Action<string>? warning = null, CancellationToken cancel = default)
    {
        if (communicator.Size == 1) return BucketStage.Run(config, idsPath, bucketsPath, warning: warning, cancel: cancel);
        var ids = BucketAssigner.ReadIds(idsPath);
        var (start, end) = (ids.Count * communicator.Rank / communicator.Size, ids.Count * (communicator.Rank + 1) / communicator.Size);
        using var loader = BucketImageLoader.Open(config, null, communicator.Rank == 0 ? warning : null);
        var workers = RankPlacement.ThreadsPerRank(Environment.ProcessorCount, Environment.ProcessorCount, communicator.LocalSize);
        var part = BucketAssigner.Assign(loader, ids.Skip(start).Take(end - start).ToList(), workers, cancel: cancel);
        AtomicFile.WriteAllText(PartPath(bucketsPath, communicator.Rank), JsonSerializer.Serialize(part, RunFile.Json));
        Fence(communicator);
        BucketsFile? joined = null;
        if (communicator.Rank == 0)
        {
            var parts = Enumerable.Range(0, communicator.Size).Select(r => BucketsFile.Read(PartPath(bucketsPath, r))).ToList();
            joined = BucketsFile.From(part.Config, [.. parts.SelectMany(p => p.Images)], [.. parts.SelectMany(p => p.Skipped)]);
            joined.Write(bucketsPath);
            for (var r = 0; r < communicator.Size; r++) File.Delete(PartPath(bucketsPath, r));
        }
        Fence(communicator);
        return joined ?? BucketsFile.Read(bucketsPath);
    }

    private static string PartPath(string bucketsPath, int rank) => $"{bucketsPath}.rank{rank}.part";

    // Returns once every rank has reached it.
    private static void Fence(ICommunicator communicator)
    {
        double[] token = [0];
        communicator.AllReduce(token, ReduceOp.Sum);
    }
}
