using System.Runtime.InteropServices;
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

    // libtorch 2.10 tries to initialise NNPACK for CPU convolutions and, on CPUs NNPACK does not
    // support, logs "Could not initialize NNPACK! Reason: Unsupported hardware." at each attempt:
    // thousands of lines in one main-job run. PyTorch's switch (torch.backends.nnpack.set_flags) has
    // no TorchSharp binding, so its C++ setter is called; oneDNN then runs those convolutions, as it
    // does wherever NNPACK is missing. A libtorch without the symbols is left as it is.
    public static void DisableNnpack()
    {
        // TorchSharp loads libtorch first, so the import below binds to the same library.
        _ = get_num_threads();
        try
        {
            SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    public static bool NnpackEnabled => UserEnabledNnpack(GlobalContext());

    [DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);
}
