using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastBackprop.Bench.Training;

namespace FastBackprop.Bench.Samples;

// ---------------------------------------------------------------------------------------------
// Trainer.Fit against the raw loop it wraps (issue 15: "within 5%"), both in ONE process.
//
//   dotnet run -c Release --project bench/FastBackprop.Bench -- fit-overhead [--trials 21] [--out file.md]
//
// FitOverheadBench (BenchmarkDotNet) runs Raw and Fit in separate processes, and on the shared
// hosts here a process's speed depends on where its buffers land in physical memory: the same
// binary's step differed by 10% or more between processes, so that table's ratio moved by 5 points
// between runs of one commit. Here one FitOverheadBench instance per case (the same data, network,
// raw loop and Fit call) times Fit and Raw in alternating trials, each trial starting with the
// other one first, and the median of the trials' ratios Fit / Raw is the figure.
// ---------------------------------------------------------------------------------------------

/// <summary>The <c>fit-overhead</c> command of the bench executable.</summary>
public static class FitOverheadProgram
{
    /// <summary>Runs every case of FitOverheadBench and prints a markdown table (also to <c>--out</c>).</summary>
    public static int Run(string[] args)
    {
        int trials = CommandOptions.Int(args, "--trials", 21);
        string? output = CommandOptions.Text(args, "--out");
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# Trainer.Fit over its raw loop, one process: {Environment.ProcessorCount} logical CPUs, {FastBackprop.Kernels.VectorTiers.Active}, median of {trials} alternating trials");
        report.AppendLine();
        report.AppendLine("| batch | optimizer | raw ms | Fit ms | Fit / raw (median) | range |");
        report.AppendLine("|---:|---|---:|---:|---:|---|");
        foreach (int batch in new[] { 64, 256 })
        {
            foreach (string optimizer in new[] { "sgd", "adam" }) Row(report, batch, optimizer, trials);
        }
        Console.Write(report);
        if (output is not null) File.WriteAllText(output, report.ToString());
        return 0;
    }

    private static void Row(StringBuilder report, int batch, string optimizer, int trials)
    {
        var bench = new FitOverheadBench { Patterns = 12_000, Batch = batch, Optimizer = optimizer };
        bench.Setup();
        var raw = new double[trials];
        var fit = new double[trials];
        var ratio = new double[trials];
        for (int t = -3; t < trials; t++)   // three warm-up trials
        {
            double r, f;
            if ((t & 1) == 0)
            {
                r = Milliseconds(() => bench.Raw());
                f = Milliseconds(() => bench.Fit());
            }
            else
            {
                f = Milliseconds(() => bench.Fit());
                r = Milliseconds(() => bench.Raw());
            }
            if (t < 0) continue;
            (raw[t], fit[t], ratio[t]) = (r, f, f / r);
        }
        bench.Cleanup();
        Array.Sort(raw);
        Array.Sort(fit);
        Array.Sort(ratio);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {batch} | {optimizer} | {raw[trials / 2]:F1} | {fit[trials / 2]:F1} | {ratio[trials / 2]:F3} | {ratio[0]:F3}-{ratio[^1]:F3} |");
        Console.Error.WriteLine(report.ToString().Split('\n')[^2]);
    }

    private static double Milliseconds(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalMilliseconds;
    }
}
