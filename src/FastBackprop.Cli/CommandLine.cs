namespace FastBackprop.Cli;

/// <summary>Dispatches the command line: `demo` (also the default with no arguments) and `help`.</summary>
internal static class CommandLine
{
    private const string Usage = """
        fastbackprop — multilayer perceptrons trained by backpropagation

        Usage:
          fastbackprop [demo]     train XOR and the derivation's 2-4-3-2 network, epoch by epoch
          fastbackprop help       show this text

        Exit codes: 0 success, 1 usage error, 2 internal error.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string command = args.Length == 0 ? "demo" : args[0];
        try
        {
            switch (command)
            {
                case "demo" when args.Length <= 1:
                    Demo.Run(output);
                    return 0;
                case "help" or "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    error.WriteLine($"fastbackprop: unknown command or arguments '{string.Join(' ', args)}'. Run 'fastbackprop help'.");
                    return 1;
            }
        }
        catch (Exception e)
        {
            error.WriteLine($"fastbackprop: internal error: {e.GetType().Name}: {e.Message}");
            return 2;
        }
    }
}
