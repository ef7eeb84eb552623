using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using FastBackprop.Cli.Commands;
using FastBackprop.Training;

namespace FastBackprop.Cli;

// ---------------------------------------------------------------------------------------------
// The command line. Every command follows one pattern: a static class <Name>Command in Commands/
// with
//   Examples  the lines its --help shows under "Examples:", and
//   Build     which declares the command's options (a command with many keeps them in a
//             <Name>CommandOptions class, as train does; DataOptions is shared by train and eval),
//             checks their values in the parser (OptionChecks), and sets an action that reads the
//             values once and calls Execute.
// Execute returns an exit code (ExitCodes), throws UserException for the user's mistakes (one line
// on standard error, exit 1), writes its --json document with Json.Write, and writes files only
// through OutputFiles: every output path is checked before any work, and written atomically.
// Anything else that escapes is a bug of ours: exit 2.
// ---------------------------------------------------------------------------------------------

/// <summary>The command line: System.CommandLine parses, the commands run, and every failure ends
/// as one line on standard error with exit code 1 (the user's mistake) or 2 (ours).</summary>
internal static class CommandLine
{
    /// <summary>The installed command's name, used in usage lines and messages.</summary>
    public const string Name = "fastbackprop";

    /// <summary>The tool's version (the assembly's informational version, without build metadata).</summary>
    public static string Version { get; } =
        (typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>Runs the command line in <paramref name="args"/> against the process's console, with
    /// Ctrl+C and SIGTERM stopping training cleanly.</summary>
    public static int Run(string[] args)
    {
        using Interruption interruption = Interruption.FromSignals();
        return Run(args, Console.Out, Console.Error, Console.In, terminal: !Console.IsOutputRedirected, interruption);
    }

    /// <summary>Runs the command line in <paramref name="args"/> with the given streams; returns the exit code
    /// (<see cref="ExitCodes"/>). <paramref name="terminal"/> enables the live progress display; cancelling
    /// <paramref name="cancellation"/> acts as Ctrl+C.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader input, bool terminal = false, CancellationToken cancellation = default)
    {
        using Interruption interruption = Interruption.FromToken(cancellation);
        return Run(args, output, error, input, terminal, interruption);
    }

    private static int Run(string[] args, TextWriter output, TextWriter error, TextReader input, bool terminal, Interruption interruption)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(output, error, input, terminal, interruption);
        Command root;
        Option<bool> quiet, json;
        try
        {
            (root, quiet, json) = Build(context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"{Name}: internal error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.InternalError;
        }

        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"{Name}: internal error while parsing the command line: {e.GetType().Name}: {OneLine(e.Message)}");
            return ExitCodes.InternalError;
        }
        if (parse.Action is ParseErrorAction)
        {
            string command = parse.CommandResult.Command == root ? Name : $"{Name} {parse.CommandResult.Command.Name}";
            error.WriteLine($"{Name}: {OneLine(ParseErrors.Describe(parse.Errors[0]))} Run '{command} --help' for the options.");
            return ExitCodes.UserError;
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
                ProcessTerminationTimeout = null,   // Ctrl+C and SIGTERM are ours (Interruption): training stops after the batch and saves
            });
        }
        catch (OperationCanceledException) when (interruption.Requested)
        {
            error.WriteLine($"{Name}: stopped by {interruption.By}.");
            return interruption.ExitCode;
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"{Name}: {OneLine(e.Message)}");
            return ExitCodes.UserError;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine($"{Name}: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            if (Environment.GetEnvironmentVariable("FASTBACKPROP_DEBUG") == "1") error.WriteLine(e);
            return ExitCodes.InternalError;
        }
    }

    // DataFormatException, FileNotFoundException and the other IOExceptions name the file and the problem
    // (AtomicFile's name the user's path); an ArgumentException is ours unless a command turned it into a
    // UserException where the user's data reached the library (UserData.About).
    private static bool IsUserError(Exception e) => e is UserException or IOException or UnauthorizedAccessException or TrainingDivergedException;

    /// <summary>An ArgumentException's message without what .NET appends: " (Parameter 'x')" and, for an
    /// ArgumentOutOfRangeException, the line "Actual value was v." (the messages state the value already).</summary>
    public static string WithoutParameter(ArgumentException e)
    {
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
        return string.Join(' ', message.ReplaceLineEndings("\n").Split('\n').Where(line => !line.StartsWith("Actual value was ", StringComparison.Ordinal))).Trim();
    }

    private static string OneLine(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message.ReplaceLineEndings(" "), @"\s+", " ").Trim();

    private static (Command Root, Option<bool> Quiet, Option<bool> Json) Build(CliContext context)
    {
        // A plain Command rather than RootCommand: RootCommand names itself after the executable
        // (FastBackprop.Cli), and the usage lines must show the installed command, fastbackprop.
        var root = new Command(Name, """
            fastbackprop: train multilayer perceptrons by backpropagation, evaluate and use them,
            check the engine against the textbook reference, and benchmark this CPU.
            With no command it runs `demo`.
            """)
        {
            new HelpOption(),
            new VersionOption(),
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print nothing but errors and warnings (and --json output).", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Write one JSON document to standard output instead of tables.", Recursive = true };
        root.Add(quiet);
        root.Add(json);

        var examples = new Dictionary<Command, string[]>();
        void Add(Command command, string[] commandExamples)
        {
            root.Add(command);
            examples[command] = commandExamples;
        }
        Add(TrainCommand.Build(context), TrainCommand.Examples);
        Add(CvCommand.Build(context), CvCommand.Examples);
        Add(EvalCommand.Build(context), EvalCommand.Examples);
        Add(PredictCommand.Build(context), PredictCommand.Examples);
        Add(SweepCommand.Build(context), SweepCommand.Examples);
        Add(GradCheckCommand.Build(context), GradCheckCommand.Examples);
        Add(BenchCommand.Build(context), BenchCommand.Examples);
        Add(InfoCommand.Build(context), InfoCommand.Examples);
        Add(ExportCommand.Build(context), ExportCommand.Examples);
        Add(ImportCommand.Build(context), ImportCommand.Examples);
        Add(DemoCommand.Build(context), DemoCommand.Examples);
        root.SetAction(_ => DemoCommand.Execute(context));
        examples[root] =
        [
            "fastbackprop train                         # train on the embedded digits, save model.fbp + model.learning-curve.png",
            "fastbackprop cv --folds 10                 # 10-fold cross-validation: per-fold loss and accuracy, mean ± sd",
            "fastbackprop eval --model model.fbp        # accuracy, precision/recall, confusion matrix (+ PNG)",
            "fastbackprop predict --model model.fbp --input rows.csv",
            "fastbackprop export --model model.fbp --format safetensors --out model.safetensors   # for PyTorch; import reads it back",
            "fastbackprop sweep --learning-rates 0.001,0.01 --widths 32,64   # grid search: table, sweep.png; --shard i/N, sweep merge",
            "fastbackprop gradcheck                     # engine vs reference vs finite differences on this CPU",
            "fastbackprop bench                         # throughput of W1, W3b, W4 and the FMA peak (< 1 min)",
        ];

        foreach (Option option in root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction inner) help.Action = new HelpWithExamples(inner, examples);
        }
        return (root, quiet, json);
    }

    /// <summary>The standard help, then the command's examples and the exit codes.</summary>
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
                output.WriteLine(ExitCodes.Help);
            }
            return result;
        }
    }
}
