using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using FastBackprop.Cli.Commands;
using FastBackprop.Training;

namespace FastBackprop.Cli;

/// <summary>The command line: System.CommandLine parses, the commands run, and every failure ends
/// as one line on standard error with exit code 1 (the user's mistake) or 2 (ours).</summary>
internal static class CommandLine
{
    /// <summary>The tool's version (the assembly's informational version, without build metadata).</summary>
    public static string Version { get; } =
        (typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>Runs the command line in <paramref name="args"/> against the process's console,
    /// with Ctrl+C stopping training cleanly.</summary>
    public static int Run(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // The first Ctrl+C asks the command to stop after the current batch; a second one kills.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            bool terminal = !Console.IsOutputRedirected;
            return Run(args, Console.Out, Console.Error, Console.In, terminal, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>Runs the command line in <paramref name="args"/> with the given streams; returns the exit code
    /// (0 success, 1 user error, 2 internal error). <paramref name="terminal"/> enables the live progress display.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader input, bool terminal = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(output, error, input, terminal, cancellation);
        RootCommand root;
        Option<bool> quiet, json;
        try
        {
            (root, quiet, json) = Build(context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"fastbackprop: internal error: {e.GetType().Name}: {e.Message}");
            return 2;
        }

        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"fastbackprop: internal error while parsing the command line: {e.GetType().Name}: {OneLine(e.Message)}");
            return 2;
        }
        if (parse.Action is ParseErrorAction)
        {
            string command = string.Join(' ', CommandPath(parse.CommandResult.Command, root));
            error.WriteLine($"fastbackprop: {OneLine(parse.Errors[0].Message)} Run '{command} --help' for the options.");
            return 1;
        }
        context.Quiet = parse.GetValue(quiet);
        context.Json = parse.GetValue(json);
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,   // Ctrl+C is ours: training stops after the batch and saves
            });
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"fastbackprop: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"fastbackprop: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("FASTBACKPROP_DEBUG") == "1") error.WriteLine(e);
            return 2;
        }
    }

    // DataFormatException, FileNotFoundException and the other IOExceptions name the file and the problem.
    private static bool IsUserError(Exception e) => e is UserException or IOException or UnauthorizedAccessException or TrainingDivergedException;

    /// <summary>An ArgumentException's message without the " (Parameter 'x')" suffix .NET appends.</summary>
    public static string WithoutParameter(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    private static string OneLine(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message.ReplaceLineEndings(" "), @"\s+", " ").Trim();

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        if (command == root) return ["fastbackprop"];
        return ["fastbackprop", command.Name];
    }

    private static (RootCommand Root, Option<bool> Quiet, Option<bool> Json) Build(CliContext context)
    {
        var root = new RootCommand("""
            fastbackprop: train multilayer perceptrons by backpropagation, evaluate and use them,
            check the engine against the textbook reference, and benchmark this CPU.
            With no command it runs `demo`.
            """);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print nothing but errors (and --json output).", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Write one JSON document to standard output instead of tables.", Recursive = true };
        root.Add(quiet);
        root.Add(json);

        var examples = new Dictionary<Command, string[]>();
        void Add(Command command, string[] commandExamples)
        {
            root.Add(command);
            examples[command] = commandExamples;
        }
        Add(new TrainCommand().Build(context), TrainCommand.Examples);
        Add(EvalCommand.Build(context), EvalCommand.Examples);
        Add(PredictCommand.Build(context), PredictCommand.Examples);
        Add(GradCheckCommand.Build(context), GradCheckCommand.Examples);
        Add(BenchCommand.Build(context), BenchCommand.Examples);
        Add(InfoCommand.Build(context), InfoCommand.Examples);
        var demo = new Command("demo", "Train XOR (2-2-1) and the derivation's 2-4-3-2 network online, step by step (the default with no command).");
        demo.SetAction(_ => RunDemo(context));
        Add(demo, ["fastbackprop demo"]);
        root.SetAction(_ => RunDemo(context));
        examples[root] =
        [
            "fastbackprop train                         # train on the embedded digits, save model.fbp + model.learning-curve.png",
            "fastbackprop eval --model model.fbp        # accuracy, precision/recall, confusion matrix (+ PNG)",
            "fastbackprop predict --model model.fbp --input rows.csv",
            "fastbackprop gradcheck                     # engine vs reference vs finite differences on this CPU",
            "fastbackprop bench                         # throughput of W1, W3b, W4 and the FMA peak (< 1 min)",
        ];

        foreach (Option option in root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction inner) help.Action = new HelpWithExamples(inner, examples);
        }
        return (root, quiet, json);
    }

    private static int RunDemo(CliContext context)
    {
        if (context.Quiet) return 0;
        Demo.Run(context.Out);
        return 0;
    }

    /// <summary>The standard help, then the command's examples.</summary>
    private sealed class HelpWithExamples(HelpAction inner, Dictionary<Command, string[]> examples) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            int result = inner.Invoke(parseResult);
            if (examples.TryGetValue(parseResult.CommandResult.Command, out string[]? lines))
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (string line in lines) output.WriteLine("  " + line);
                output.WriteLine();
                output.WriteLine("Exit codes: 0 success, 1 user error (one line on stderr), 2 internal error.");
            }
            return result;
        }
    }
}
