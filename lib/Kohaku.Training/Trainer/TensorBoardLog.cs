using System.Buffers.Binary;
using Google.Protobuf;
using Tensorboard;

namespace Kohaku.Training.Trainer;

// train/tensorboard/events.out.tfevents.*: each step's scalars as TensorBoard event records, so
// `tensorboard --logdir train/tensorboard` works as it does for kohya. The records are TorchSharp's
// Event protos in TFRecord framing (length, masked CRC-32C of it, data, masked CRC-32C of that).
// TorchSharp's SummaryWriter is not used: it stamps wall_time 0 unless given a float, which holds
// today's Unix time only to 128 s, and reopens the file for every value. A resumed run adds a file;
// TensorBoard merges a folder's files by step. The file is made at the first step, so a run that
// refuses to start leaves none.
public sealed class TensorBoardLog(string directory) : IDisposable
{
    private FileStream? _file;

    public void Append(TrainStep step)
    {
        var summary = new Summary();
        void Add(string tag, double value) => summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        Add("train/loss", step.Loss);
        foreach (var (group, lr) in step.LearningRates) Add($"train/lr/{group}", lr);
        Add("train/grad_norm", step.GradNorm);
        Add("train/loss_scale", step.LossScale);
        Add("train/images_per_second", step.ImagesPerSecond);
        if (step.ValidationLoss is { } validation) Add("validation/loss", validation);
        WriteSummary(step.Step, summary);
    }

    // Preview PNGs as TensorBoard image summaries (its Images tab), tagged preview/<prompt index>;
    // the PNG goes in unchanged, its size read from the IHDR chunk.
    public void AppendImages(long step, IReadOnlyList<string> pngPaths)
    {
        if (pngPaths.Count == 0) return;
        var summary = new Summary();
        for (var i = 0; i < pngPaths.Count; i++)
        {
            var png = File.ReadAllBytes(pngPaths[i]);
            var (width, height, colorspace) = PngSize(png, pngPaths[i]);
            summary.Value.Add(new Summary.Types.Value
            {
                Tag = $"preview/{i}",
                Image = new Summary.Types.Image { Width = width, Height = height, Colorspace = colorspace, EncodedImageString = ByteString.CopyFrom(png) },
            });
        }
        WriteSummary(step, summary);
    }

    private void WriteSummary(long step, Summary summary)
    {
        if (_file is null) Open();
        Write(new Event { WallTime = Seconds(DateTimeOffset.UtcNow), Step = step, Summary = summary });
        _file!.Flush(flushToDisk: false);
    }

    // Width, height and TensorBoard's colorspace (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) from a PNG header.
    internal static (int Width, int Height, int Colorspace) PngSize(byte[] png, string path)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (png.Length < 26 || !png.AsSpan(0, 8).SequenceEqual(signature) || !png.AsSpan(12, 4).SequenceEqual("IHDR"u8))
            throw new InvalidDataException($"{path}: not a PNG file");
        var colorspace = png[25] switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, _ => 3 };
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), colorspace);
    }

    public void Dispose() => _file?.Dispose();

    private void Open()
    {
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;
        var path = Path.Combine(directory, $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.kohaku");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = Seconds(now), FileVersion = "brain.Event:2" });
    }

    private static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;

    private void Write(Event record)
    {
        var data = record.ToByteArray();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)data.Length);
        Span<byte> crc = stackalloc byte[4];
        var file = _file!;
        file.Write(length);
        BinaryPrimitives.WriteUInt32LittleEndian(crc, MaskedCrc(length));
        file.Write(crc);
        file.Write(data);
        BinaryPrimitives.WriteUInt32LittleEndian(crc, MaskedCrc(data));
        file.Write(crc);
    }

    // TFRecord's masking, so a CRC stored in data does not checksum to itself.
    internal static uint MaskedCrc(byte[] bytes)
    {
        var crc = TorchSharp.Utils.CRC32C.process(bytes);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
