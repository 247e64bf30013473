using Kohaku.Training.Distributed;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Distributed;

public sealed class DistributedTests
{
    [Theory]
    [InlineData(2, 2, 2, 1)]   // 2 unbound ranks on 2 cores: one thread each
    [InlineData(16, 16, 4, 4)]
    [InlineData(2, 2, 4, 1)]   // oversubscribed: never below one
    [InlineData(1, 2, 2, 1)]   // bound by mpirun to one core
    [InlineData(3, 16, 2, 3)]  // bound to three cores (srun --cpus-per-task 3)
    public void ThreadsPerRank_SharesTheCoresItSees(int visible, int online, int localRanks, int expected) =>
        Assert.Equal(expected, RankPlacement.ThreadsPerRank(visible, online, localRanks));

    // Two ranks with the same gradients: the reduce doubles every gradient that exists, and a
    // parameter no rank touched keeps none.
    [Fact]
    public void Run_TwoEqualRanks_SumsGradientsAndKeepsUntouchedOnesEmpty()
    {
        var touched = new Parameter(zeros(2, 3));
        var idle = new Parameter(zeros(4));
        var scalar = new Parameter(zeros(1));
        touched.grad = arange(6, dtype: ScalarType.Float32).view(2, 3);
        scalar.grad = ones(1);
        using var reduce = new GradientAllReduce(new EqualRanks(0, 2), [touched, idle, scalar]);
        Assert.Equal(6 + 4 + 1 + 3, reduce.Elements);
        reduce.Run();
        Assert.Equal(new float[] { 0, 2, 4, 6, 8, 10 }, touched.grad!.data<float>().ToArray());
        Assert.Null(idle.grad);
        Assert.Equal(new float[] { 2 }, scalar.grad!.data<float>().ToArray());
    }
}
