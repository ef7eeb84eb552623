using Spectre.Console;

namespace FastBackprop.Cli;

/// <summary>Everything a command talks to: its streams, a Spectre console over standard output,
/// Ctrl+C and SIGTERM, and the global --quiet / --json switches. Tests build one over string writers.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, TextReader input, bool terminal, Interruption interruption)
    {
        Out = output;
        Error = error;
        In = input;
        Interruption = interruption;
        Interactive = terminal;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) Console.Profile.Width = 120;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public TextReader In { get; }

    public IAnsiConsole Console { get; }

    /// <summary>True when standard output is a terminal: live progress bars and colour.</summary>
    public bool Interactive { get; }

    /// <summary>Ctrl+C or SIGTERM: which one, and the exit code it gives.</summary>
    public Interruption Interruption { get; }

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM.</summary>
    public CancellationToken Cancellation => Interruption.Token;

    /// <summary>--quiet: only errors (and --json documents) are written.</summary>
    public bool Quiet { get; set; }

    /// <summary>--json: one JSON document on standard output instead of tables.</summary>
    public bool Json { get; set; }

    /// <summary>Whether human-readable output is wanted.</summary>
    public bool Human => !Quiet && !Json;

    /// <summary>A warning: one line on standard error, shown even with --quiet.</summary>
    public void Warn(string message) => Error.WriteLine($"fastbackprop: warning: {message}");
}

/// <summary>A mistake of the user's (bad option, missing or corrupt file, shape mismatch): one line
/// on standard error, exit code 1, no stack trace.</summary>
internal sealed class UserException : Exception
{
    public UserException(string message)
        : base(message)
    {
    }

    public UserException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UserException()
    {
    }
}
