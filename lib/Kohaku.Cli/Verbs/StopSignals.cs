using System.Runtime.InteropServices;

namespace Kohaku.Cli.Verbs;

// Ctrl-C (SIGINT), a scheduler's pre-emption (SIGTERM) and SIGUSR1 (which mpirun forwards to every
// rank, where its own SIGINT/SIGTERM kill them a second later) ask a long verb to finish its current
// unit of work, save, and exit with ExitCode. A second signal ends the process at once; what was
// saved stays intact, since every output is written to a temporary file and renamed.
internal sealed class StopSignals : IDisposable
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly string _verb;

    public StopSignals(string verb)
    {
        _verb = verb;
        _registrations = [Register(PosixSignal.SIGINT, "SIGINT"), Register(PosixSignal.SIGTERM, "SIGTERM"), Register(SigUsr1, "SIGUSR1")];
    }

    public CancellationToken Token => _source.Token;

    public string? Received { get; private set; }

    // The shell's 128 + signal number.
    public int ExitCode => Received switch { "SIGTERM" => 143, "SIGUSR1" => 138, _ => 130 };

    private PosixSignalRegistration Register(PosixSignal signal, string name) => PosixSignalRegistration.Create(signal, context =>
    {
        if (Received is not null) return;
        context.Cancel = true;
        Received = name;
        Console.Error.WriteLine($"{_verb}: {name}: finishing the current step and saving; send it again to stop at once");
        _source.Cancel();
    });

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
