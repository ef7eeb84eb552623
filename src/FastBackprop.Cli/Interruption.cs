using System.Runtime.InteropServices;

namespace FastBackprop.Cli;

/// <summary>Ctrl+C (SIGINT) and SIGTERM, treated alike. The first of either asks the running command
/// to stop at its next safe point (train: after the current batch, then it saves what it has); a
/// second one ends the process at once, as the signal does by default. <see cref="ExitCode"/> then
/// tells which signal stopped the command.</summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly List<PosixSignalRegistration> registrations = [];
    private volatile bool terminated;

    private Interruption(CancellationTokenSource source) => this.source = source;

    /// <summary>Listens to the process's SIGINT and SIGTERM.</summary>
    public static Interruption FromSignals()
    {
        var interruption = new Interruption(new CancellationTokenSource());
        foreach (PosixSignal signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGINT, PosixSignal.SIGTERM])
        {
            try
            {
                interruption.registrations.Add(PosixSignalRegistration.Create(signal, interruption.OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // No such signal here: it keeps its default action.
            }
        }
        return interruption;
    }

    /// <summary>For runs inside a host (the tests): cancelling <paramref name="token"/> reads as Ctrl+C.</summary>
    public static Interruption FromToken(CancellationToken token) => new(CancellationTokenSource.CreateLinkedTokenSource(token));

    public CancellationToken Token => source.Token;

    public bool Requested => source.IsCancellationRequested;

    /// <summary>What stopped the command, as the user would name it.</summary>
    public string By => terminated ? "SIGTERM" : "Ctrl+C";

    public int ExitCode => terminated ? ExitCodes.Terminated : ExitCodes.Interrupted;

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
        source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (source.IsCancellationRequested) return;   // the second signal: its default action ends the process
        context.Cancel = true;
        terminated = context.Signal == PosixSignal.SIGTERM;
        source.Cancel();
    }
}
