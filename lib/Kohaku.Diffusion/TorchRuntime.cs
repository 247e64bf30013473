using TorchSharp;
using static TorchSharp.torch;

namespace Kohaku.Diffusion;

// Which device and backend this process computes on: CUDA when the cuda backend is installed and
// a GPU answers, else CPU. Every stage asks here instead of probing on its own.
public static class TorchRuntime
{
    public static Device DefaultDevice => cuda.is_available() ? CUDA : CPU;

    public static string TorchVersion => __version__;

    public static string Describe()
    {
        var device = DefaultDevice;
        var where = device.type == DeviceType.CUDA ? $"cuda ({cuda.device_count()} device(s))" : $"cpu ({get_num_threads()} threads)";
        return $"torch {TorchVersion} (TorchSharp {typeof(torch).Assembly.GetName().Version}), device {where}";
    }
}
