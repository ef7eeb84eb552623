namespace FastBackprop.Cli;

/// <summary>The process's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A problem with the user's data, files or options: one line on standard error naming it.</summary>
    public const int UserError = 1;

    /// <summary>A bug of ours (or a failed gradient check): please report it.</summary>
    public const int InternalError = 2;

    // 128 + the signal's number: what a shell reports for a process that the signal ended, so that
    // scripts see the stop even though the command stopped cleanly (train saves first).

    /// <summary>Stopped by Ctrl+C (SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Stopped by SIGTERM (kill, a job scheduler, a container stop).</summary>
    public const int Terminated = 143;

    /// <summary>The line every --help ends with.</summary>
    public const string Help =
        "Exit codes: 0 success, 1 user error (one line on stderr), 2 internal error, 130 stopped by Ctrl+C, 143 stopped by SIGTERM.";
}
