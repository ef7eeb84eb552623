using System.CommandLine;
using System.Text.Json.Nodes;
using FastBackprop.Diagnostics;
using FastBackprop.Kernels;
using FastBackprop.Reference;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop gradcheck`: on random networks, the engine's gradients (online and
/// mini-batch paths, at this CPU's vector tier) against the double-precision reference, and the
/// reference against central finite differences; the worst relative error per layer.</summary>
internal static class GradCheckCommand
{
    // Engine (float) against reference (double): a few float roundings per sum, scaled by the layer's size.
    private const double EngineTolerance = 2e-3;
    // Reference against central differences in double with h = 1e-6: truncation ~h², rounding ~1e-10/h.
    private const double FiniteDifferenceTolerance = 1e-5;

    // A central difference (E(w+h) - E(w-h)) / 2h carries the rounding of both E values, a few ulps of |E| each (the
    // reference sums its terms in double), divided by 2h: with h = 1e-6 and E about 8 that is about 1e-9, which a layer of
    // gradients near 1e-5 reads as a relative error of 1e-4 (seed 7's first network). That much is taken off each
    // difference before it is compared; the engine's comparisons have no such term.
    private const double RoundingUlps = 16, DoubleUlp = 2.220446049250313e-16;

    public static string[] Examples { get; } = ["fastbackprop gradcheck", "fastbackprop gradcheck --networks 50 --seed 7", "DOTNET_EnableAVX512=0 fastbackprop gradcheck   # the Vector256 kernels"];

    public static Command Build(CliContext context)
    {
        var networks = new Option<int>("--networks", "-n") { Description = "How many random networks to check.", DefaultValueFactory = _ => 12 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Seed of the random shapes, weights and patterns.", DefaultValueFactory = _ => 2026UL };
        networks.Check(n => n is < 1 or > 10_000 ? $"--networks is {n}; expected 1 to 10000." : null);
        var command = new Command("gradcheck", "Check the engine's gradients against the textbook reference and the reference against finite differences, on random networks, on this CPU. Exit code 2 if a check fails.")
        {
            networks,
            seed,
        };
        command.SetAction(parse => Execute(context, parse.GetValue(networks), parse.GetValue(seed)));
        return command;
    }

    private sealed record LayerResult(int Network, string Shape, string Transfers, int Layer, double EngineOnline, double EngineBatch, double FiniteDifference)
    {
        public bool Passed => EngineOnline <= EngineTolerance && EngineBatch <= EngineTolerance && FiniteDifference <= FiniteDifferenceTolerance;
    }

    private static int Execute(CliContext context, int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var results = new List<LayerResult>();
        for (int n = 0; n < count; n++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            results.AddRange(CheckOne(n + 1, random));
        }
        bool passed = results.All(r => r.Passed);
        DeterminismFingerprint fingerprint = DeterminismFingerprint.Compute();

        if (context.Json)
        {
            Json.Write(context, new JsonObject
            {
                ["command"] = "gradcheck",
                ["vectorTier"] = VectorTiers.Active.ToString(),
                ["passed"] = passed,
                ["fingerprint"] = fingerprint.Value,
                ["engineTolerance"] = EngineTolerance,
                ["finiteDifferenceTolerance"] = FiniteDifferenceTolerance,
                ["layers"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
                {
                    ["network"] = r.Network,
                    ["shape"] = r.Shape,
                    ["transfers"] = r.Transfers,
                    ["layer"] = r.Layer,
                    ["engineOnlineVsReference"] = Json.Number(r.EngineOnline),
                    ["engineBatchVsReference"] = Json.Number(r.EngineBatch),
                    ["referenceVsFiniteDifferences"] = Json.Number(r.FiniteDifference),
                    ["passed"] = r.Passed,
                })]),
            });
        }
        else if (context.Human)
        {
            IAnsiConsole console = context.Console;
            console.MarkupLine($"Gradient check on {count} random networks, vector tier [bold]{VectorTiers.Active}[/] (Vector<float>.Count = {VectorTiers.VectorTCount})");
            console.MarkupLine($"worst relative error per layer; engine (float) vs reference (double) must be <= {EngineTolerance:G2}, reference vs central differences <= {FiniteDifferenceTolerance:G2}");
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("net", "shape", "transfer functions", "layer", "engine online", "engine batch", "reference vs FD", "");
            foreach (LayerResult r in results)
            {
                table.AddRow(r.Layer == 1 ? Fmt.I(r.Network) : "", r.Layer == 1 ? r.Shape : "", r.Layer == 1 ? Markup.Escape(r.Transfers) : "", Fmt.I(r.Layer),
                    Sci(r.EngineOnline), Sci(r.EngineBatch), Sci(r.FiniteDifference), r.Passed ? "[green]ok[/]" : "[red]FAIL[/]");
            }
            console.Write(table);
            console.MarkupLine(passed
                ? $"[green bold]PASS[/]: {results.Count} layers in {count} networks agree on this CPU ({VectorTiers.Active})."
                : $"[red bold]FAIL[/]: {results.Count(r => !r.Passed)} of {results.Count} layers exceed the tolerance ({VectorTiers.Active}).");
            console.MarkupLine($"determinism fingerprint [bold]{fingerprint.Value}[/]: the same on every machine and vector tier (README, \"Same bits everywhere\")");
        }
        if (!passed) context.Error.WriteLine($"fastbackprop: gradient check failed on vector tier {VectorTiers.Active}: the engine disagrees with the reference.");
        return passed ? 0 : 2;
    }

    private static string Sci(double value) => value.ToString("0.0e+0", System.Globalization.CultureInfo.InvariantCulture);

    private static List<LayerResult> CheckOne(int index, SeededRandom random)
    {
        string[] hidden = ["logistic", "tanh", "relu", "leaky-relu(0.1)", "identity", "elu(0.7)", "selu", "softplus", "gelu", "gelu-tanh", "silu", "softsign",
            "hard-tanh", "elliott", "gaussian", "sin"];
        int depth = 1 + random.NextInt32(3);
        int inputs = Width(random);
        var specs = new Dense[depth + 1];
        for (int l = 0; l < depth; l++) specs[l] = new Dense(Width(random), TransferFunction.FromName(hidden[random.NextInt32(hidden.Length)]));
        int outputs = 1 + random.NextInt32(12);
        (string output, Loss loss) = OutputsAndLosses[random.NextInt32(OutputsAndLosses.Length)];
        if (output == "softmax") outputs = Math.Max(outputs, 2);
        specs[^1] = new Dense(outputs, TransferFunction.FromName(output));
        var network = new Network(inputs, loss, specs);
        NetworkDefinition definition = network.Definition;
        network.InitializeWeights(random.NextUInt64());
        for (int l = 0; l < definition.LayerCount; l++)
        {
            foreach (ref float b in network.GetBiases(l)) b = random.NextSymmetric(0.2f);
        }

        // A batch of patterns; the online path sees the first, the batch path all of them.
        int batch = 2 + random.NextInt32(7);
        var x = new float[batch * inputs];
        var t = new float[batch * outputs];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSymmetric(1f);
        for (int p = 0; p < batch; p++)
        {
            Span<float> target = t.AsSpan(p * outputs, outputs);
            if (output == "softmax") target[random.NextInt32(outputs)] = 1f;
            else for (int k = 0; k < outputs; k++) target[k] = output switch
            {
                "logistic" => 0.1f + 0.8f * random.NextSingle(),
                "exp" => random.NextInt32(5),   // Poisson counts
                _ => random.NextSymmetric(1f),
            };
        }

        double[] parameters = [.. network.Parameters.ToArray().Select(v => (double)v)];
        double[] xs = [.. x.Select(v => (double)v)], ts = [.. t.Select(v => (double)v)];

        // Reference gradients: the first pattern, and the mean over the batch (BackpropagateBatch's convention).
        double[] first = ReferenceBackprop.Run(definition, parameters, xs.AsSpan(0, inputs), ts.AsSpan(0, outputs)).Gradient;
        var mean = new double[definition.ParameterCount];
        for (int p = 0; p < batch; p++)
        {
            double[] g = p == 0 ? first : ReferenceBackprop.Run(definition, parameters, xs.AsSpan(p * inputs, inputs), ts.AsSpan(p * outputs, outputs)).Gradient;
            for (int i = 0; i < mean.Length; i++) mean[i] += g[i] / batch;
        }

        var online = new float[definition.ParameterCount];
        network.Backpropagate(x.AsSpan(0, inputs), t.AsSpan(0, outputs), online);
        var batched = new float[definition.ParameterCount];
        network.BackpropagateBatch(x, t, batched, network.CreateBatchWorkspace(batch));

        // Central differences of the reference error of the first pattern, in double.
        var numeric = new double[definition.ParameterCount];
        var rounding = new double[definition.ParameterCount];
        var probe = (double[])parameters.Clone();
        for (int i = 0; i < probe.Length; i++)
        {
            double w = probe[i], h = 1e-6 * Math.Max(1, Math.Abs(w));
            probe[i] = w + h;
            double plus = ReferenceBackprop.Error(definition, probe, xs.AsSpan(0, inputs), ts.AsSpan(0, outputs));
            probe[i] = w - h;
            double minus = ReferenceBackprop.Error(definition, probe, xs.AsSpan(0, inputs), ts.AsSpan(0, outputs));
            probe[i] = w;
            numeric[i] = (plus - minus) / (2 * h);
            rounding[i] = RoundingUlps * Math.Max(Math.Abs(plus), Math.Abs(minus)) * DoubleUlp / (2 * h);
        }

        string shape = ModelFiles.Shape(definition);
        string transfers = string.Join(',', specs.Select(s => s.Transfer.Name)) + " / " + loss.Name;
        var results = new List<LayerResult>();
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            results.Add(new LayerResult(index, shape, transfers, l + 1,
                WorstRelative(online, first, layout),
                WorstRelative(batched, mean, layout),
                WorstRelative(numeric, first, layout, rounding)));
        }
        return results;
    }

    // Every loss, each with an output function it takes (the cross-entropies with both of theirs).
    private static readonly (string Output, Loss Loss)[] OutputsAndLosses =
    [
        ("softmax", Loss.CrossEntropy), ("logistic", Loss.CrossEntropy), ("logistic", Loss.HalfSquaredError), ("identity", Loss.HalfSquaredError),
        ("identity", Loss.MeanSquaredError), ("tanh", Loss.MeanAbsoluteError), ("identity", Loss.Huber(0.5f)), ("softmax", Loss.CategoricalCrossEntropy(0.1f)),
        ("logistic", Loss.BinaryCrossEntropy), ("exp", Loss.Poisson),
    ];

    private static int Width(SeededRandom random) => random.NextInt32(4) == 0 ? 1 + random.NextInt32(4) : 3 + random.NextInt32(45);

    /// <summary>max_i |a_i - b_i| / max(|a_i|, |b_i|, floor) over the layer's weights and biases, where the
    /// floor (1e-3 of the layer's largest reference magnitude, at least 1e-8) keeps near-zero entries from
    /// turning rounding noise into large relative errors.
    /// <paramref name="slack"/>, when given, is each entry's known error bound, taken off its difference first.</summary>
    private static double WorstRelative<T>(T[] a, double[] b, LayerLayout layout, double[]? slack = null) where T : struct, IConvertible
    {
        double scale = 0;
        for (int i = layout.WeightOffset; i < layout.End; i++) scale = Math.Max(scale, Math.Abs(b[i]));
        double floor = Math.Max(1e-3 * scale, 1e-8), worst = 0;
        for (int i = layout.WeightOffset; i < layout.End; i++)
        {
            double x = a[i].ToDouble(System.Globalization.CultureInfo.InvariantCulture), y = b[i];
            double error = Math.Max(Math.Abs(x - y) - (slack?[i] ?? 0), 0) / Math.Max(Math.Max(Math.Abs(x), Math.Abs(y)), floor);
            if (!double.IsFinite(error)) error = double.PositiveInfinity;
            worst = Math.Max(worst, error);
        }
        return worst;
    }
}
