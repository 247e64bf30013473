namespace Kohaku.Training.Distributed;

public enum ReduceOp { Sum, Max }

// What data-parallel training exchanges between ranks, and nothing more: host buffers reduced in
// place across every rank. MPI implements it today; an NCCL backend (device buffers) would be a
// second implementation of the same few calls.
public interface ICommunicator : IDisposable
{
    int Rank { get; }
    int Size { get; }
    // Rank and rank count on this node: a rank picks its GPU and its CPU thread share by them.
    int LocalRank { get; }
    int LocalSize { get; }
    string Describe();

    // Every rank passes a buffer of the same length; on return each holds the element-wise result.
    void AllReduce(Span<float> values, ReduceOp op);
    void AllReduce(Span<double> values, ReduceOp op);

    // Ends the whole job at once (every rank), for an error on one rank that the others cannot see
    // and would otherwise wait for in their next reduce.
    void Abort(int exitCode);
}

// One process, no MPI: reductions are the identity.
public sealed class SingleProcess : ICommunicator
{
    public static readonly SingleProcess Instance = new();

    public int Rank => 0;
    public int Size => 1;
    public int LocalRank => 0;
    public int LocalSize => 1;
    public string Describe() => "one process";
    public void AllReduce(Span<float> values, ReduceOp op) { }
    public void AllReduce(Span<double> values, ReduceOp op) { }
    public void Abort(int exitCode) => Environment.Exit(exitCode);
    public void Dispose() { }
}
