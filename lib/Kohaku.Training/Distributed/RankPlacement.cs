using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Distributed;

// Where a rank computes: on CUDA the GPU of its local rank; on CPU its share of the node's cores
// as torch threads, so N ranks on one machine do not oversubscribe it (libtorch's threads collapse
// when they do).
public static class RankPlacement
{
    public static Device Apply(ICommunicator communicator)
    {
        if (cuda.is_available()) return new Device(DeviceType.CUDA, communicator.LocalRank % cuda.device_count());
        // Under mpirun libtorch's MKL drops to one thread by itself (it reads OMPI_COMM_WORLD_LOCAL_SIZE),
        // so a launched rank always sets its share.
        if (communicator is not SingleProcess) set_num_threads(ThreadsPerRank(Environment.ProcessorCount, OnlineCores(), communicator.LocalSize));
        return CPU;
    }

    // A rank the launcher bound to fewer cores than the machine has (mpirun --bind-to core, srun
    // --cpus-per-task) already sees only its own; an unbound one divides the machine with its neighbours.
    public static int ThreadsPerRank(int visibleCores, int onlineCores, int localRanks) =>
        visibleCores < onlineCores ? visibleCores : Math.Max(1, visibleCores / localRanks);

    private static int OnlineCores()
    {
        try
        {
            var count = 0;
            foreach (var range in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(','))
            {
                var ends = range.Split('-');
                count += ends.Length == 2 ? int.Parse(ends[1]) - int.Parse(ends[0]) + 1 : 1;
            }
            return count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return Environment.ProcessorCount;
        }
    }
}
