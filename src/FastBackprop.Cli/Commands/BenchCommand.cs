using System.CommandLine;

namespace FastBackprop.Cli.Commands;

internal static class BenchCommand
{
    public static string[] Examples { get; } = ["fastbackprop bench"];

    public static Command Build(CliContext context)
    {
        var command = new Command("bench", "Benchmark (not yet).");
        command.SetAction(_ => 0);
        _ = context;
        return command;
    }
}
