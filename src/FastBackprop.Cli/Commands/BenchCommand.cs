using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastBackprop.Diagnostics;
using FastBackprop.Kernels;
using Spectre.Console;

namespace FastBackprop.Cli.Commands;

/// <summary>`fastbackprop bench`: a short throughput run of the design's workloads W1, W3b and W4 (as
/// <see cref="Workload"/> defines them, the same as bench/FastBackprop.Bench) and the single-core FMA peak
/// on this CPU, printed as a table and written as JSON and Markdown so that CPUs can be compared
/// (`--compare a.json b.json`).</summary>
internal static partial class BenchCommand
{
    private const int MaxCompared = 16;
    private const double MinSeconds = 0.01, MaxSeconds = 60;
    private const int MaxThreads = 256;

    // Patterns a batch workload may cycle through: 100,000 MNIST-sized patterns are 0.3 GB (W4's are 0.8 GB);
    // beyond that a bench run would be a memory test.
    private const int MaxSamples = 100_000;

    // The workloads a run measures: the tiny online network, the MNIST-sized batch at 64 and 256, the wide batch.
    private static readonly (string Id, Workload Workload)[] Measured =
        [("W1", Workload.W1), ("W3b", Workload.W3b), ("W3b256", Workload.W3b.With(256, 4 * 256)), ("W4", Workload.W4)];

    public static string[] Examples { get; } =
    [
        "fastbackprop bench                                  # ~20 s; writes bench-<cpu>-<date>.json and .md",
        "fastbackprop bench --seconds 1 --report laptop.json",
        "fastbackprop bench --threads 1                      # one thread only (default: also every logical core)",
        "fastbackprop bench --samples 60000                  # batch workloads stream 60,000 patterns instead of 4 resident batches",
        "DOTNET_EnableAVX512=0 fastbackprop bench --report avx2.json   # the same CPU at Vector256",
        "fastbackprop bench --compare zen5.json laptop.json avx2.json",
    ];

    public static Command Build(CliContext context)
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured time per figure (after a short warm-up), in 5 trials that alternate between 1 thread and --threads; a figure is its best trial.", DefaultValueFactory = _ => 3.0 };
        var report = new Option<string?>("--report", "-r") { Description = "JSON report path (the Markdown report goes beside it, .md). Default: bench-<cpu>-<date>.json.", HelpName = "path" };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write the JSON and Markdown reports." };
        var threads = new Option<int>("--threads")
        {
            Description = "Also measure the peak and the batch workloads on this many threads, and how they scale (1: one thread only).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var samples = new Option<int?>("--samples")
        {
            Description = "Patterns each batch workload cycles through (default: 4 batches, which stay in cache; 60000 streams them from memory as a data set does).",
            HelpName = "count",
        };
        threads.Check(t => t is >= 1 and <= MaxThreads ? null : Fmt.Inv($"--threads is {t}; expected 1 to {MaxThreads}."));
        samples.Check(n => n is null or (>= 1024 and <= MaxSamples) ? null : Fmt.Inv($"--samples is {n}; expected {1024:N0} to {MaxSamples:N0}."));
        // Arity is checked by the validator rather than by the parser, whose message for one report
        // ("Required argument missing") does not say what is missing.
        var compare = new Option<string[]>("--compare")
        {
            Description = $"Print two or more JSON reports (at most {MaxCompared}) side by side instead of running.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
            HelpName = "reports",
        };
        // At least 10 ms: below a tenth of a microsecond the duration rounds to zero ticks, which the peak
        // probe rejects, and a run much shorter than 10 ms measures the timer rather than the workload.
        seconds.Check(s => s is >= MinSeconds and <= MaxSeconds ? null
            : Fmt.Inv($"--seconds is {s}; expected a duration from {MinSeconds} to {MaxSeconds} seconds."));
        compare.Validators.Add(result =>
        {
            int count = result.Tokens.Count;
            if (count < 2) result.AddError($"--compare needs two or more reports to set side by side; got {(count == 0 ? "none" : "one")}.");
            else if (count > MaxCompared) result.AddError($"--compare takes at most {MaxCompared} reports; got {count}.");
        });
        var command = new Command("bench", $"Measure training throughput ({string.Join(", ", Measured.Select(m => Label(m.Workload)))}) and the FMA peak on this CPU; write a JSON/Markdown report.")
        {
            seconds,
            threads,
            samples,
            report,
            noReport,
            compare,
        };
        command.SetAction(parse => parse.GetResult(compare) is not null
            ? Compare(context, parse.GetValue(compare)!)
            : Execute(context, new Settings(parse.GetValue(seconds), parse.GetValue(threads), parse.GetValue(samples)),
                parse.GetValue(noReport) ? null : parse.GetValue(report) ?? DefaultReportName()));
        return command;
    }

    private static string Label(Workload w) => Fmt.Inv($"{w.Id} {ModelFiles.Shape(w.Definition)} {(w.BatchSize == 1 ? "online" : $"batch {w.BatchSize}")}");

    /// <summary>What a run measures: seconds per figure, the thread count compared with one thread (1: none), and the
    /// patterns a batch workload cycles through (null: its own few batches).</summary>
    private sealed record Settings(double Seconds, int Threads, int? Samples);

    private static int Execute(CliContext context, Settings settings, string? reportPath)
    {
        if (reportPath is not null) BenchReport.CheckWritable(reportPath);
        string cpu = CpuModel();
        double seconds = settings.Seconds;
        int threads = settings.Threads;
        if (context.Human)
        {
            context.Console.MarkupLine($"Benchmarking on [bold]{Markup.Escape(cpu)}[/], {Environment.ProcessorCount} logical cores, vector tier [bold]{VectorTiers.Active}[/], {seconds.ToString(CultureInfo.InvariantCulture)} s per figure"
                + (threads > 1 ? $", 1 and {threads} threads" : ", 1 thread")
                + (settings.Samples is int n ? $", batch workloads over {Fmt.I(n)} patterns" : ""));
        }

        var results = new List<BenchResult>();
        void Step(string what, Func<BenchResult[]> run)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            BenchResult[] measured = [];
            if (context.Human && context.Interactive) context.Console.Status().Start($"{what}...", _ => measured = run());
            else measured = run();
            results.AddRange(measured);
        }
        Step(threads > 1 ? $"FMA peak probe on 1 and {threads} threads" : "FMA peak probe", () => Peaks(seconds, threads));
        foreach ((string id, Workload measured) in Measured)
        {
            Workload workload = measured.BatchSize > 1 && settings.Samples is int n ? measured.With(measured.BatchSize, n) : measured;
            bool both = threads > 1 && workload.BatchSize > 1;
            Step(both ? $"{Label(workload)}, 1 and {threads} threads" : Label(workload), () => Run(workload, id, seconds, both ? threads : 1));
        }
        string fingerprint = "";
        Step("determinism fingerprint", () =>
        {
            fingerprint = DeterminismFingerprint.Compute().Value;
            return [];
        });

        BenchReport document = BenchReport.Create(cpu, seconds, Trials, fingerprint, results, settings.Samples);
        string? markdownPath = reportPath is null ? null : document.Write(reportPath);
        if (context.Json)
        {
            document.Root["report"] = reportPath is null ? null : Path.GetFullPath(reportPath);
            Json.Write(context, document.Root);
        }
        else if (context.Human)
        {
            context.Console.Write(document.Table());
            foreach (string line in document.ScalingLines()) context.Console.WriteLine(line);
            context.Console.MarkupLine($"determinism fingerprint [bold]{fingerprint}[/] (the same on every machine and vector tier; compare reports with --compare)");
            if (reportPath is not null) context.Console.MarkupLine($"report: [green]{Markup.Escape(reportPath)}[/] and [green]{Markup.Escape(markdownPath!)}[/]");
        }
        return 0;
    }

    // ----- workloads -------------------------------------------------------------------------------

    // A figure is the best of Trials trials of seconds / Trials each, as the peak probe keeps its best round: a shared
    // host only ever slows a trial down. The project's 2-vCPU VM at times takes a vCPU away for half a second (a 2-thread
    // probe round of 0.25 s measured one core's rate, 118 GFLOP/s instead of 236, twice in a row in 60 rounds), and a
    // training step on two threads then waits at every barrier for the thread that is not running. Where one thread is
    // compared with several, their trials alternate (1, n, n, 1, 1, n, ...), so both sides of the ratio sample the same
    // stretch of time. A slow stretch longer than the trials still shows (W3b's 2-thread steps once ran at 1.35x instead
    // of 1.75x for 5 s while the probe kept its full rate): compare runs, not one figure.
    private const int Trials = 5;

    /// <summary>The FMA peak on one thread and, when <paramref name="threads"/> is more than 1, on that many.</summary>
    private static BenchResult[] Peaks(double seconds, int threads)
    {
        var one = new Func<double, double>(trial => PeakProbe.MeasureGflops(TimeSpan.FromSeconds(trial)));
        var many = new Func<double, double>(trial => PeakProbe.MeasureGflops(TimeSpan.FromSeconds(trial), threads));
        double[] peaks = Best(seconds, threads > 1 ? [one, many] : [one]);
        var single = new BenchResult("Peak", $"FMA loop, 12 accumulators, 1 core ({PeakProbe.Tier})", peaks[0], "GFLOP/s", peaks[0]);
        return threads == 1 ? [single]
            : [single, new BenchResult(BenchReport.ThreadedId("Peak", threads), $"FMA loop, 12 accumulators, {threads} threads ({PeakProbe.Tier})", peaks[1], "GFLOP/s", peaks[1])];
    }

    /// <summary>Trains <paramref name="workload"/> on one thread and, when <paramref name="threads"/> is more than 1, on that
    /// many: one TrainStep per pattern for an online workload, else one TrainBatch per batch, cycling through its patterns.
    /// Both figures train the same network on the same patterns, each on its own workspace.</summary>
    private static BenchResult[] Run(Workload workload, string id, double seconds, int threads)
    {
        Network network = workload.CreateNetwork();
        int inputs = workload.Definition.InputWidth, outputs = workload.Definition.OutputWidth, count = workload.PatternCount, batch = workload.BatchSize;
        var x = new float[count * inputs];
        var t = new float[count * outputs];
        workload.FillPatterns(x, t);
        float eta = workload.LearningRate;
        if (batch == 1)
        {
            Workspace workspace = network.CreateWorkspace();
            double[] presentations = Best(seconds, [trial => count * StepsPerSecond(trial, () =>
            {
                for (int p = 0; p < count; p++) network.TrainStep(x.AsSpan(p * inputs, inputs), t.AsSpan(p * outputs, outputs), eta, workspace);
            })]);
            return [Result(workload, id, presentations[0], 1)];
        }
        using BatchWorkspace alone = network.CreateBatchWorkspace(batch, 1);
        using BatchWorkspace? team = threads > 1 ? network.CreateBatchWorkspace(batch, threads) : null;
        int next = 0, batches = count / batch;
        Func<double, double> On(BatchWorkspace workspace) => trial => batch * StepsPerSecond(trial, () =>
        {
            int b = next++ % batches;
            network.TrainBatch(x.AsSpan(b * batch * inputs, batch * inputs), t.AsSpan(b * batch * outputs, batch * outputs), eta, workspace);
        });
        double[] samples = Best(seconds, team is null ? [On(alone)] : [On(alone), On(team)]);
        BenchResult single = Result(workload, id, samples[0], 1);
        return team is null ? [single] : [single, Result(workload, BenchReport.ThreadedId(id, threads), samples[1], threads)];
    }

    private static BenchResult Result(Workload workload, string id, double patternsPerSecond, int threads)
    {
        string description = workload.Description + (threads > 1 ? Fmt.Inv($", {threads} threads") : "");
        return new BenchResult(id, description, patternsPerSecond, workload.BatchSize == 1 ? "presentations/s" : "samples/s",
            workload.ExecutedFlopsPerPattern * patternsPerSecond / 1e9);
    }

    /// <summary>Each measure's best rate over <see cref="Trials"/> alternating trials of <paramref name="seconds"/> / Trials,
    /// after a warm-up of each (up to 0.3 s: the JIT's optimised tier); a measure takes a trial's duration in seconds and
    /// returns a rate.</summary>
    private static double[] Best(double seconds, Func<double, double>[] measures)
    {
        double trial = seconds / Trials;
        foreach (Func<double, double> measure in measures) measure(Math.Min(0.3, seconds / 4));
        var best = new double[measures.Length];
        for (int round = 0; round < Trials; round++)
        {
            for (int j = 0; j < measures.Length; j++)
            {
                int i = round % 2 == 0 ? j : measures.Length - 1 - j;
                best[i] = Math.Max(best[i], measures[i](trial));
            }
        }
        return best;
    }

    /// <summary>Runs <paramref name="step"/> for <paramref name="seconds"/> (at least once); returns steps per second.</summary>
    private static double StepsPerSecond(double seconds, Action step)
    {
        var clock = Stopwatch.StartNew();
        long steps = 0;
        while (steps == 0 || clock.Elapsed.TotalSeconds < seconds) { step(); steps++; }
        return steps / clock.Elapsed.TotalSeconds;
    }

    // ----- reports ---------------------------------------------------------------------------------

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and >= 0)
                    {
                        return Spaces().Replace(line[(colon + 1)..].Trim(), " ");
                    }
                }
            }
        }
        catch (IOException)
        {
            // fall through to the architecture
        }
        return $"{RuntimeInformation.ProcessArchitecture} CPU";
    }

    private static string DefaultReportName()
    {
        string slug = NotWord().Replace(CpuModel(), "-").Trim('-');
        return $"bench-{slug}-{DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.json";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NotWord();

    private static int Compare(CliContext context, string[] files)
    {
        var reports = files.Select(BenchReport.Read).ToList();
        var ids = new List<string>();
        foreach (BenchReport report in reports)
        {
            foreach (BenchResult r in report.Results)
            {
                if (!ids.Contains(r.Id)) ids.Add(r.Id);
            }
        }

        if (context.Json)
        {
            var rows = new JsonArray();
            foreach (string id in ids)
            {
                var values = new JsonArray();
                foreach (BenchReport report in reports) values.Add((JsonNode)new JsonObject { ["report"] = report.Name, ["value"] = Json.Number(report.Find(id)?.Value), ["gflops"] = Json.Number(report.Find(id)?.Gflops) });
                rows.Add((JsonNode)new JsonObject { ["id"] = id, ["values"] = values });
            }
            Json.Write(context, new JsonObject
            {
                ["command"] = "bench --compare",
                ["reports"] = new JsonArray([.. reports.Select(r => (JsonNode)JsonValue.Create(r.Name))]),
                ["rows"] = rows,
                ["fingerprints"] = new JsonArray([.. reports.Select(r => (JsonNode?)JsonValue.Create(r.Fingerprint))]),
                ["fingerprintsAgree"] = FingerprintsAgree(reports),
            });
            return 0;
        }
        if (!context.Human) return 0;

        var table = new Table().Border(TableBorder.Rounded).Title("throughput (GFLOP/s), ratio to the first report");
        table.AddColumn("");
        foreach (BenchReport report in reports)
        {
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(report.Name)}[/]\n{Markup.Escape(report.Cpu)}\n{Markup.Escape(report.VectorTier)}").RightAligned());
        }
        foreach (string id in ids)
        {
            var cells = new List<string> { id };
            double? first = reports[0].Find(id)?.Value;
            foreach (BenchReport report in reports)
            {
                cells.Add(report.Find(id) is BenchResult r
                    ? $"{Fmt.I((long)r.Value)} {Markup.Escape(r.Unit)}" + (r.Gflops is double g ? $" ({Fmt.F(g, 1)})" : "") + (first is double f && f > 0 ? $"\nx{Fmt.F(r.Value / f, 2)}" : "")
                    : "-");
            }
            table.AddRow([.. cells]);
        }
        table.AddRow([.. new[] { "fingerprint" }.Concat(reports.Select(r => Markup.Escape(r.Fingerprint ?? "-")))]);
        context.Console.Write(table);
        context.Console.MarkupLine(FingerprintsAgree(reports) switch
        {
            true => "determinism fingerprints: [green]equal[/] (the same weights on every machine and tier compared)",
            false => "determinism fingerprints: [red bold]DIFFERENT[/]: these machines or tiers train to different weights (a bug: please report it with both reports)",
            null => "determinism fingerprints: [yellow]not in every report[/] (older reports have none)",
        });
        return 0;
    }

    // True when every report has the same fingerprint, false when two differ, null when a report has none.
    private static bool? FingerprintsAgree(List<BenchReport> reports)
    {
        if (reports.Any(r => r.Fingerprint is null)) return null;
        return reports.All(r => r.Fingerprint == reports[0].Fingerprint);
    }
}
