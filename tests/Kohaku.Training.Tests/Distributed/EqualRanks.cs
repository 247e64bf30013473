using Kohaku.Training.Distributed;

namespace Kohaku.Training.Tests.Distributed;

// Rank `rank` of `size` ranks that all hold this rank's values, without MPI: a sum multiplies by the
// rank count and a max keeps them. What one rank draws, trains and packs is under test, not transport.
internal sealed class EqualRanks(int rank, int size) : ICommunicator
{
    public int Rank => rank;
    public int Size => size;
    public int LocalRank => rank;
    public int LocalSize => size;
    public string Describe() => $"rank {rank} of {size} equal ranks, not connected";

    public void AllReduce(Span<float> values, ReduceOp op)
    {
        if (op == ReduceOp.Sum) foreach (ref var v in values) v *= size;
    }

    public void AllReduce(Span<double> values, ReduceOp op)
    {
        if (op == ReduceOp.Sum) foreach (ref var v in values) v *= size;
    }

    public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted with {exitCode}");
    public void Dispose() { }
}
