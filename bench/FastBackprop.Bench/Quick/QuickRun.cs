using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastBackprop.Bench.Config;
using FastBackprop.Bench.Kernels;
using FastBackprop.Bench.Training;
using Perfolizer.Horology;
using Workload = FastBackprop.Diagnostics.Workload;

namespace FastBackprop.Bench.Quick;

// ---------------------------------------------------------------------------------------------
// --quick: the headline set of issue 3 in one joined summary, on this process's own ISA (one
// "Native" job, no knobs), with a short job; then the table of every target next to its figure.
//
//   dotnet run -c Release --project bench/FastBackprop.Bench -- --quick
//
// Set: PeakProbeBench; GemmBench 1024 NN; W1 (reference, engine, scalar float); W3a (engine,
// row-wise TensorPrimitives); W3b engine at batch 64 and 256 on 1 thread; W4 engine on 1 and all
// threads. Each case still runs in its own child process, as in the full suite. The joined
// report goes to bench/results/ like any other; the headline table also goes to
// bench/results/<cpu>_<date>_quick-headline.md.
// ---------------------------------------------------------------------------------------------

/// <summary>The <c>--quick</c> mode.</summary>
public static class QuickRun
{
    private static readonly Type[] Types =
    [
        typeof(PeakProbeBench), typeof(GemmBench), typeof(W1OnlineStepBench), typeof(W3aOnlineStepBench),
        typeof(W3bBatchStepBench), typeof(W4WideStepBench),
    ];

    /// <summary>Runs the headline set and prints the targets table. Returns the exit code.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string loadBefore = ResultsMarkdownExporter.LoadAverage();
        Job job = Job.Default.WithId("Native")
            .WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(8)
            .WithIterationTime(TimeInterval.FromMilliseconds(150));
        IConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddExporter(new ResultsMarkdownExporter("quick"))
            .AddColumn(BenchColumns.All)
            .AddFilter(new SimpleFilter(IsHeadline))
            // Ratios across classes mean nothing in a joined table; GemmBench's own GFLOP/s column
            // reads 0.0 on the other classes' rows (GFLOP/s* has the same figure).
            .HideColumns("Ratio", "Alloc Ratio", "GFLOP/s", "Namespace")
            .WithOptions(ConfigOptions.JoinSummary);
        Summary[] summaries = BenchmarkRunner.Run(Types, config);
        Summary? summary = summaries.FirstOrDefault(s => s.BenchmarksCases.Length > 0);
        if (summary is null)
        {
            Console.Error.WriteLine("--quick: no benchmark ran.");
            return 1;
        }
        string table = Headline(summary, loadBefore, ResultsMarkdownExporter.LoadAverage());
        Console.WriteLine();
        Console.WriteLine(table);
        string? path = WriteHeadline(summary, table);
        if (path is not null) Console.WriteLine($"Headline table written to {path}");
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    }

    private static bool IsHeadline(BenchmarkCase c)
    {
        string method = c.Descriptor.WorkloadMethod.Name;
        return c.Descriptor.Type.Name switch
        {
            nameof(PeakProbeBench) => true,
            "GemmBench" => Param(c, "Size") is 1024 && Param(c, "Form")?.ToString() == "NN",
            nameof(W1OnlineStepBench) => true,
            nameof(W3aOnlineStepBench) => method is nameof(W3aOnlineStepBench.Engine) or nameof(W3aOnlineStepBench.EngineSequence) or nameof(W3aOnlineStepBench.RowwiseTensorPrimitives),
            nameof(W3bBatchStepBench) => method == nameof(W3bBatchStepBench.Engine) && Param(c, nameof(W3bBatchStepBench.Threads)) is 1,
            nameof(W4WideStepBench) => method == nameof(W4WideStepBench.Engine),
            _ => false,
        };
    }

    private static object? Param(BenchmarkCase c, string name) => c.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value;

    private static BenchmarkCase? Find(Summary summary, string type, string method, params (string Name, object Value)[] parameters) =>
        summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Type.Name == type && c.Descriptor.WorkloadMethod.Name == method
            && parameters.All(p => Equals(Param(c, p.Name)?.ToString(), p.Value.ToString())));

    private sealed record Row(string What, string Target, string Measured, bool? Met);

    private static string Headline(Summary summary, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        List<Row> byMean = Rows(summary, useMinimum: false), byMin = Rows(summary, useMinimum: true);
        (double peak, string peakSource) = BenchColumns.Peak(summary, useMinimum: false);
        (double peakMin, _) = BenchColumns.Peak(summary, useMinimum: true);
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"## FastBackprop --quick headline ({DateTime.Now:yyyy-MM-dd HH:mm}, {summary.HostEnvironmentInfo.Cpu.Value.ProcessorName}, {Environment.ProcessorCount} logical cores)");
        sb.AppendLine();
        sb.AppendLine(inv, $"Load average (1/5/15 min): {loadBefore} before, {loadAfter} after. " +
            $"Peak probe: {peak:F1} GFLOP/s mean, {peakMin:F1} GFLOP/s fastest iteration ({peakSource}); host re-measure after the run: {PeakProbe.HostGflops:F1} GFLOP/s.");
        sb.AppendLine();
        sb.AppendLine("| target (issue 3) | target | measured (means) | met | measured (fastest iterations) | met |");
        sb.AppendLine("|---|---|---|---|---|---|");
        for (int i = 0; i < byMean.Count; i++)
        {
            Row a = byMean[i], b = byMin[i];
            sb.AppendLine(inv, $"| {a.What} | {a.Target} | {a.Measured} | {Met(a.Met)} | {b.Measured} | {Met(b.Met)} |");
        }
        sb.AppendLine();
        sb.AppendLine("Means: BenchmarkDotNet means of a short job (1 launch, 5 warm-ups, 8 iterations of ~150 ms) on this process's own ISA; " +
            "\"fastest iterations\" uses each benchmark's fastest iteration (numerator and peak alike), the figure least disturbed by other processes. " +
            "Training benches time one sample per operation (OperationsPerInvoke); GFLOP/s = 6 x weights per sample / time (issue 3's convention); " +
            $"\"executed flops\" counts what the step really computes: the first layer has no dX product, so 6 x weights overcounts W3b by {Overcount(Workload.W3b)} and W4 by {Overcount(Workload.W4)}. " +
            "On a shared machine, read the load average first.");
        return sb.ToString();

        static string Met(bool? met) => met is null ? "n/a" : met.Value ? "yes" : "**no**";
        static string Overcount(Workload w) => string.Create(CultureInfo.InvariantCulture,
            $"{100 * (w.FlopsPerPattern / w.ExecutedFlopsPerPattern - 1):F1} % ({100 * (1 - w.ExecutedFlopsPerPattern / w.FlopsPerPattern):F1} % of the count)");
    }

    private static List<Row> Rows(Summary summary, bool useMinimum)
    {
        var inv = CultureInfo.InvariantCulture;
        var rows = new List<Row>();
        (double peak, _) = BenchColumns.Peak(summary, useMinimum);
        int all = Environment.ProcessorCount;
        double? Time(BenchmarkCase? c)
        {
            if (c is null) return null;
            double? t = useMinimum ? summary[c]?.ResultStatistics?.Min : summary[c]?.ResultStatistics?.Mean;
            return t is > 0 ? t : null;
        }
        string Pct(double x) => (100 * x).ToString("F1", inv) + " %";

        // Gemm 1024
        double? gemm = Time(Find(summary, "GemmBench", "Multiply", ("Size", 1024), ("Form", "NN")));
        rows.Add(gemm is double g
            ? new Row("Gemm 1024 x 1024 x 1024 (NN), 1 thread", ">= 85 % of peak", $"{2.0 * 1024 * 1024 * 1024 / g:F1} GFLOP/s = {Pct(2.0 * 1024 * 1024 * 1024 / g / peak)}", 2.0 * 1024 * 1024 * 1024 / g / peak >= 0.85)
            : new Row("Gemm 1024 (NN)", ">= 85 % of peak", "not measured", null));

        // W4
        Workload w4 = Workload.W4, w3b = Workload.W3b;
        double? w4one = Time(Find(summary, nameof(W4WideStepBench), "Engine", ("Threads", 1)));
        double? w4all = all > 1 ? Time(Find(summary, nameof(W4WideStepBench), "Engine", ("Threads", all))) : null;
        rows.Add(w4one is double t1
            ? new Row("W4 step, 1 thread", ">= 75 % of peak", $"{w4.FlopsPerPattern / t1:F1} GFLOP/s = {Pct(w4.FlopsPerPattern / t1 / peak)} ({t1 * w4.BatchSize / 1e6:F1} ms/step; executed flops: {Pct(w4.ExecutedFlopsPerPattern / t1 / peak)})", w4.FlopsPerPattern / t1 / peak >= 0.75)
            : new Row("W4 step, 1 thread", ">= 75 % of peak", "not measured", null));
        double? peakOne = Time(Find(summary, nameof(PeakProbeBench), nameof(PeakProbeBench.Peak)));
        double? peakAll = Time(Find(summary, nameof(PeakProbeBench), nameof(PeakProbeBench.PeakAllCores)));
        string ceiling = peakOne is double p1 && peakAll is double pa
            ? $"; machine ceiling now: peak probe on {all} threads = {PeakProbeBench.AllCoresFlops / pa / (PeakProbe.FlopsPerCall / p1):F2} x 1 thread"
            : "";
        rows.Add(w4one is double a && w4all is double b
            ? new Row($"W4 step, {all} threads", all == 2 ? ">= 1.8 x 1 thread" : $">= 1.8 x 1 thread on 2 threads (here {all})", $"{a / b:F2} x ({w4.FlopsPerPattern / b:F1} GFLOP/s{ceiling})", all == 2 ? a / b >= 1.8 : null)
            : new Row("W4 step, all threads", ">= 1.8 x 1 thread on 2 threads", all > 1 ? "not measured" : "1 core: no thread figure", null));

        // W3b
        foreach ((int batch, double target) in new[] { (256, 0.55), (w3b.BatchSize, 0.45) })
        {
            double? t = Time(Find(summary, nameof(W3bBatchStepBench), "Engine", ("Batch", batch), ("Threads", 1)));
            double gf = t is double ns ? w3b.FlopsPerPattern / ns : 0;
            rows.Add(t is double ns2
                ? new Row($"W3b batch {batch}, 1 thread", $">= {target * 100:F0} % of peak", $"{gf:F1} GFLOP/s = {Pct(gf / peak)} ({1e9 / ns2:N0} samples/s; executed flops: {Pct(w3b.ExecutedFlopsPerPattern / ns2 / peak)})", gf / peak >= target)
                : new Row($"W3b batch {batch}, 1 thread", $">= {target * 100:F0} % of peak", "not measured", null));
        }

        // W3a
        double? rowwise = Time(Find(summary, nameof(W3aOnlineStepBench), "RowwiseTensorPrimitives"));
        foreach ((string method, string label) in new[] { ("EngineSequence", "TrainOnline"), ("Engine", "TrainStep") })
        {
            double? w3a = Time(Find(summary, nameof(W3aOnlineStepBench), method));
            string name = $"W3a online ({label}) vs row-wise TensorPrimitives";
            rows.Add(w3a is double e3 && rowwise is double r3
                ? new Row(name, ">= 2 x", $"{r3 / e3:F2} x ({1e9 / e3:N0} vs {1e9 / r3:N0} samples/s)", r3 / e3 >= 2)
                : new Row(name, ">= 2 x", "not measured", null));
        }

        // W1
        double? w1 = Time(Find(summary, nameof(W1OnlineStepBench), "Engine"));
        double? w1ref = Time(Find(summary, nameof(W1OnlineStepBench), "Reference"));
        double? w1scalar = Time(Find(summary, nameof(W1OnlineStepBench), "ScalarFloat"));
        rows.Add(w1 is double e1 && w1ref is double r1
            ? new Row("W1 online step vs reference", ">= 3 x", $"{r1 / e1:F2} x ({e1:F1} vs {r1:F1} ns per pattern)", r1 / e1 >= 3)
            : new Row("W1 online step vs reference", ">= 3 x", "not measured", null));
        rows.Add(w1 is double e1b && w1scalar is double s1
            ? new Row("W1 online step vs scalar float", ">= 1 x (no slower)", $"{s1 / e1b:F2} x ({e1b:F1} vs {s1:F1} ns)", s1 / e1b >= 1)
            : new Row("W1 online step vs scalar float", ">= 1 x (no slower)", "not measured", null));

        // Allocation per training step (engine paths); the same in both columns (not a timing)
        var allocations = new List<string>();
        long worst = 0;
        foreach (BenchmarkCase c in summary.BenchmarksCases)
        {
            string type = c.Descriptor.Type.Name, method = c.Descriptor.WorkloadMethod.Name;
            if (method != "Engine" || summary[c] is not BenchmarkReport report) continue;
            long perOperation = report.GcStats.GetBytesAllocatedPerOperation(c) ?? -1;
            int opsPerStep = type switch
            {
                nameof(W3bBatchStepBench) => Convert.ToInt32(Param(c, "Batch"), inv),
                nameof(W4WideStepBench) => Workload.W4.BatchSize,
                _ => 1,
            };
            long perStep = perOperation < 0 ? -1 : perOperation * opsPerStep;
            worst = perStep < 0 ? Math.Max(worst, long.MaxValue) : Math.Max(worst, perStep);
            string parameters = string.Concat(c.Parameters.Items.Select(p => $" {p.Name}={p.Value}"));
            allocations.Add($"{type.Replace("StepBench", "", StringComparison.Ordinal)}{parameters}: {(perStep < 0 ? "?" : perStep.ToString(inv) + " B")}");
        }
        rows.Add(new Row("allocated per training step (engine)", "0 B on every workload", string.Join("; ", allocations), allocations.Count == 0 ? null : worst == 0));
        return rows;
    }

    private static string? WriteHeadline(Summary summary, string table)
    {
        try
        {
            string directory = ResultsMarkdownExporter.ResultsDirectoryPath();
            Directory.CreateDirectory(directory);
            string cpu = ResultsMarkdownExporter.CpuSlug(summary);
            string path = Path.Combine(directory, $"{cpu}_{DateTime.Now:yyyy-MM-dd}_quick-headline.md");
            File.WriteAllText(path, table);
            return path;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
