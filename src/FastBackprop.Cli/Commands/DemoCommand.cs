using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using FastBackprop.Kernels;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop demo` (and `fastbackprop` alone): the derivation's networks trained online,
/// step by step, printed as an error trace and a table of outputs, or as one JSON document.</summary>
internal static class DemoCommand
{
    public static string[] Examples { get; } = ["fastbackprop demo", "fastbackprop demo --json"];

    public static Command Build(CliContext context)
    {
        var command = new Command("demo", "Train XOR (2-2-1) and the derivation's 2-4-3-2 network online, step by step (the default with no command).");
        command.SetAction(_ => Execute(context));
        return command;
    }

    public static int Execute(CliContext context)
    {
        if (context.Quiet && !context.Json) return ExitCodes.Success;
        IReadOnlyList<DemoRun> runs = Demo.Run();
        if (context.Json) Json.Write(context, ToJson(runs));
        else Write(context.Out, runs);
        return ExitCodes.Success;
    }

    private static void Write(TextWriter output, IReadOnlyList<DemoRun> runs)
    {
        output.WriteLine(Fmt.Inv($"FastBackprop demo: online backpropagation, logistic units, E = 1/2 sum (d - y)^2, eta = {Demo.LearningRate}"));
        output.WriteLine($"Vector tier: {VectorTiers.Active}");
        output.WriteLine();
        foreach (DemoRun run in runs)
        {
            output.WriteLine($"== {run.Title}: {run.Definition}, {run.Definition.ParameterCount} parameters, seed {run.Seed}");
            output.WriteLine("   epoch   error (sum over patterns)");
            foreach (DemoError e in run.Errors) output.WriteLine(Fmt.Inv($"   {e.Epoch,5}   {e.Error:F6}"));
            output.WriteLine("   pattern            target            output");
            foreach (DemoPattern p in run.Patterns) output.WriteLine($"   {Format(p.Input),-18} {Format(p.Target),-17} {Format(p.Output)}");
            output.WriteLine();
        }
    }

    private static JsonObject ToJson(IReadOnlyList<DemoRun> runs) => new()
    {
        ["command"] = "demo",
        ["vectorTier"] = VectorTiers.Active.ToString(),
        ["loss"] = "HalfSquaredError",
        ["learningRate"] = Demo.LearningRate,
        ["networks"] = new JsonArray([.. runs.Select(run => (JsonNode)new JsonObject
        {
            ["title"] = run.Title,
            ["shape"] = ModelFiles.Shape(run.Definition),
            ["parameters"] = run.Definition.ParameterCount,
            ["seed"] = run.Seed,
            ["errors"] = new JsonArray([.. run.Errors.Select(e => (JsonNode)new JsonObject { ["epoch"] = e.Epoch, ["error"] = Json.Number(e.Error) })]),
            ["patterns"] = new JsonArray([.. run.Patterns.Select(p => (JsonNode)new JsonObject
            {
                ["input"] = Numbers(p.Input),
                ["target"] = Numbers(p.Target),
                ["output"] = Numbers(p.Output),
            })]),
        })]),
    };

    private static JsonArray Numbers(float[] values) => new([.. values.Select(v => Json.Number(v))]);

    private static string Format(float[] values) =>
        "(" + string.Join(", ", Array.ConvertAll(values, v => v.ToString("F3", CultureInfo.InvariantCulture))) + ")";
}
