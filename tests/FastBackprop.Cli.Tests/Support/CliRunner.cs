namespace FastBackprop.Cli.Tests.Support;

/// <summary>What one in-process run of the command line gave.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs `fastbackprop` in-process over string writers (not a terminal: no live progress, no colour).</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args) => RunWithInput(null, args);

    public static CliResult RunWithInput(string? input, params string[] args) => Run(args, input, CancellationToken.None, null);

    public static CliResult Run(string[] args, string? input, CancellationToken cancellation, TextWriter? output)
    {
        var stdout = output ?? new StringWriter();
        var stderr = new StringWriter();
        int exit = CommandLine.Run(args, stdout, stderr, new StringReader(input ?? ""), terminal: false, cancellation);
        return new CliResult(exit, stdout.ToString() ?? "", stderr.ToString());
    }

    /// <summary>A fresh temporary folder, deleted when the test process ends (best effort).</summary>
    public static string TempFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "fastbackprop-cli-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>One model trained on the embedded digits for 2 epochs, shared by the tests that only read it.</summary>
internal static class TrainedModel
{
    private static readonly Lazy<(string Path, CliResult Result)> Trained = new(() =>
    {
        string folder = CliRunner.TempFolder();
        string model = System.IO.Path.Combine(folder, "digits.fbp");
        CliResult result = CliRunner.Run("train", "--epochs", "2", "--seed", "3", "--out", model);
        return (model, result);
    });

    public static string Path
    {
        get
        {
            (string path, CliResult result) = Trained.Value;
            Assert.True(result.ExitCode == 0, result.ToString());
            return path;
        }
    }

    public static CliResult TrainResult => Trained.Value.Result;
}
