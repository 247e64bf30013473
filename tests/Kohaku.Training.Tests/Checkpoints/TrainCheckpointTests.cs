using Kohaku.Diffusion.SafeTensors;
using Kohaku.Training.Checkpoints;
using Kohaku.Training.Data;
using Kohaku.Training.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Training.Tests.Checkpoints;

public class TrainCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kohaku-ckpt-").FullName;

    private static TrainState State(long step) =>
        new(step, step - 1, new BatchPosition(2, 5), new LossScalerState(32768, 17, 1), 0, 1337, 4, 16, "Lion8bit", WorldSize: 2);

    [Fact]
    public void WriteRead_StateAndTensors_RoundTripExactly()
    {
        using var w = randn(3, 5);
        using var q = randint(0, 256, [300], ScalarType.Byte);
        var path = TrainCheckpoint.Write(_dir, State(40), [new("param.a", w), new("optim.g.0.q", q)]);
        using var loaded = TrainCheckpoint.Read(path);
        Assert.Equal(State(40), loaded.State with { Position = loaded.State.Position, Scaler = loaded.State.Scaler });
        Assert.Equal(new BatchPosition(2, 5), loaded.State.Position);
        Assert.Equal(new LossScalerState(32768, 17, 1), loaded.State.Scaler);
        Assert.True(w.Equals(loaded.Require("param.a")));
        Assert.True(q.Equals(loaded.Require("optim.g.0.q")));
        Assert.Equal(["q"], loaded.WithPrefix("optim.g.0.").Keys);
    }

    [Fact]
    public void ListAndPrune_SeveralCheckpoints_KeepNewest()
    {
        using var t = zeros(1);
        foreach (var step in new long[] { 100, 300, 200 }) TrainCheckpoint.Write(_dir, State(step), [new("param.a", t)]);
        File.WriteAllText(Path.Combine(_dir, ".step-00000400.safetensors.123.abc.tmp"), "partial");
        Assert.Equal([300L, 200, 100], TrainCheckpoint.List(_dir).Select(c => c.Step));
        TrainCheckpoint.Prune(_dir, 2);
        Assert.Equal([300L, 200], TrainCheckpoint.List(_dir).Select(c => c.Step));
    }

    [Fact]
    public void Read_PlainSafetensors_NamesTheFile()
    {
        var path = Path.Combine(_dir, "step-00000001.safetensors");
        using var t = zeros(1);
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = t });
        var e = Assert.Throws<InvalidDataException>(() => TrainCheckpoint.Read(path));
        Assert.Contains(path, e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
