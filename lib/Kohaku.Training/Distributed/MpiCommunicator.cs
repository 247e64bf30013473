using System.Runtime.InteropServices;

namespace Kohaku.Training.Distributed;

// Open MPI through P/Invoke on libmpi (MPI.NET's package is Windows-only and TorchSharp has no
// torch.distributed). Open MPI's handles are addresses of exported structs (MPI_COMM_WORLD is
// &ompi_mpi_comm_world), so they are looked up as symbols; MPICH's integer handles are not
// supported. libmpi is opened RTLD_GLOBAL because Open MPI's plugins resolve symbols against it.
public sealed class MpiCommunicator : ICommunicator
{
    private const string Lib = "kohaku-libmpi";
    // MULTIPLE: awaits and notebook cells move the trainer between threads.
    private const int ThreadMultiple = 3;
    private const int CommTypeShared = 0;
    private static readonly nint InPlace = 1;
    // MPI counts are ints; 2^24-element slices take the same time as one call and halve the
    // library's temporary memory (mpi.md §1).
    private const int MaxCount = 1 << 24;

    private static nint _handle;
    private readonly nint _world;
    private readonly nint _float;
    private readonly nint _double;
    private readonly nint _sum;
    private readonly nint _max;
    private bool _finalized;

    // True when this process was started by mpirun/mpiexec/prterun or srun with PMIx/PMI.
    public static bool LaunchedByMpi =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null
        || Environment.GetEnvironmentVariable("PMIX_RANK") is not null
        || Environment.GetEnvironmentVariable("PMI_RANK") is not null;

    // MPI when launched by an MPI launcher, else one process.
    public static ICommunicator FromEnvironment() => LaunchedByMpi ? Init() : SingleProcess.Instance;

    public static MpiCommunicator Init()
    {
        Load();
        return new MpiCommunicator();
    }

    private MpiCommunicator()
    {
        _world = Symbol("ompi_mpi_comm_world");
        _float = Symbol("ompi_mpi_float");
        _double = Symbol("ompi_mpi_double");
        _sum = Symbol("ompi_mpi_op_sum");
        _max = Symbol("ompi_mpi_op_max");
        Check(MPI_Initialized(out var initialized), "MPI_Initialized");
        if (initialized == 0) Check(MPI_Init_thread(0, 0, ThreadMultiple, out _), "MPI_Init_thread");
        Check(MPI_Comm_rank(_world, out var rank), "MPI_Comm_rank");
        Check(MPI_Comm_size(_world, out var size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        // The ranks that share this node's memory: their index picks the GPU and the CPU share.
        Check(MPI_Comm_split_type(_world, CommTypeShared, rank, Symbol("ompi_mpi_info_null"), out var node), "MPI_Comm_split_type");
        Check(MPI_Comm_rank(node, out var localRank), "MPI_Comm_rank");
        Check(MPI_Comm_size(node, out var localSize), "MPI_Comm_size");
        MPI_Comm_free(ref node);
        LocalRank = localRank;
        LocalSize = localSize;
    }

    public int Rank { get; }
    public int Size { get; }
    public int LocalRank { get; }
    public int LocalSize { get; }

    public string Describe()
    {
        var buffer = new byte[256];
        var version = MPI_Get_library_version(buffer, out var length) == 0
            ? System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).Split(',', '\n')[0].Trim()
            : "MPI";
        return $"{version}, rank {Rank} of {Size} ({LocalRank} of {LocalSize} on this node)";
    }

    public void AllReduce(Span<float> values, ReduceOp op) => AllReduce(MemoryMarshal.AsBytes(values), sizeof(float), values.Length, _float, op);

    public void AllReduce(Span<double> values, ReduceOp op) => AllReduce(MemoryMarshal.AsBytes(values), sizeof(double), values.Length, _double, op);

    private void AllReduce(Span<byte> bytes, int elementSize, int count, nint type, ReduceOp op)
    {
        var mpiOp = op == ReduceOp.Sum ? _sum : _max;
        for (var start = 0; start < count; start += MaxCount)
        {
            var n = Math.Min(MaxCount, count - start);
            Check(MPI_Allreduce(InPlace, ref bytes[start * elementSize], n, type, mpiOp, _world), "MPI_Allreduce");
        }
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        MPI_Abort(_world, exitCode);
    }

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        MPI_Finalize();
    }

    private static void Check(int code, string call)
    {
        if (code == 0) return;
        var buffer = new byte[1024];
        var text = MPI_Error_string(code, buffer, out var length) == 0 ? System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)) : $"error {code}";
        throw new IOException($"MPI: {call} failed: {text}");
    }

    private static nint Symbol(string name) =>
        NativeLibrary.TryGetExport(_handle, name, out var address)
            ? address
            : throw new IOException($"MPI: {LibraryName} has no symbol {name}; Kohaku needs Open MPI's libmpi (4.x or 5.x), not MPICH");

    private static string LibraryName => Environment.GetEnvironmentVariable("KOHAKU_LIBMPI") ?? "libmpi.so.40";

    private static void Load()
    {
        if (_handle != 0) return;
        var name = LibraryName;
        _handle = dlopen(name, RtldNow | RtldGlobal);
        if (_handle == 0)
            throw new IOException($"MPI: cannot open {name} ({Marshal.PtrToStringUTF8(dlerror()) ?? "unknown reason"}); install Open MPI (Debian: openmpi-bin libopenmpi3) or set KOHAKU_LIBMPI");
        NativeLibrary.SetDllImportResolver(typeof(MpiCommunicator).Assembly, (library, _, _) => library == Lib ? _handle : 0);
    }

    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;

    [DllImport("libc.so.6")] private static extern nint dlopen(string file, int mode);
    [DllImport("libc.so.6")] private static extern nint dlerror();

    [DllImport(Lib)] private static extern int MPI_Initialized(out int flag);
    [DllImport(Lib)] private static extern int MPI_Init_thread(nint argc, nint argv, int required, out int provided);
    [DllImport(Lib)] private static extern int MPI_Comm_rank(nint comm, out int rank);
    [DllImport(Lib)] private static extern int MPI_Comm_size(nint comm, out int size);
    [DllImport(Lib)] private static extern int MPI_Comm_split_type(nint comm, int splitType, int key, nint info, out nint newComm);
    [DllImport(Lib)] private static extern int MPI_Comm_free(ref nint comm);
    [DllImport(Lib)] private static extern int MPI_Allreduce(nint sendBuffer, ref byte receiveBuffer, int count, nint datatype, nint op, nint comm);
    [DllImport(Lib)] private static extern int MPI_Abort(nint comm, int errorCode);
    [DllImport(Lib)] private static extern int MPI_Finalize();
    [DllImport(Lib)] private static extern int MPI_Get_library_version(byte[] version, out int length);
    [DllImport(Lib)] private static extern int MPI_Error_string(int code, byte[] text, out int length);
}
