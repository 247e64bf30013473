using Kohaku.Training.Loss;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Loss;

public class DiffusionLossTests
{
    [Fact]
    public void Compute_WeightedSamples_MeansOverChwThenWeightsThenBatch()
    {
        // sample 0: squared errors 1 and 9 → mean 5; sample 1: 4 and 0 → 2. Weighted 0.5·5 + 1·2 → mean 2.25.
        using var pred = tensor(new float[] { 1, 3, 2, 0 }).view(2, 1, 1, 2);
        using var target = zeros(2, 1, 1, 2);
        using var weights = tensor(new float[] { 0.5f, 1f });
        using var loss = DiffusionLoss.Compute(pred, target, weights);
        Assert.Equal(2.25f, loss.item<float>(), 6);
    }

    [Fact]
    public void Compute_Bf16Prediction_ComputesInFloat32()
    {
        using var pred = ones(1, 4, 2, 2, ScalarType.BFloat16);
        using var target = zeros(1, 4, 2, 2);
        using var loss = DiffusionLoss.Compute(pred, target, null);
        Assert.Equal(ScalarType.Float32, loss.dtype);
        Assert.Equal(1f, loss.item<float>());
    }
}
