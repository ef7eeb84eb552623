using System.Globalization;
using System.Text;
using FastBackprop.Sweeps;
using FastBackprop.Training;

namespace FastBackprop.Cli.Commands.Sweep;

/// <summary>The text `sweep` prints: one progress line per finished configuration (standard error) and the results
/// table (standard output), one row per configuration in configuration order, the best marked with '*'.</summary>
internal static class SweepTable
{
    /// <summary>"[3/12] #2 learning rate 0.01, width 32, depth 1, adam, weight decay 0: validation accuracy 95.00% ± 0.50%, 20 epochs, 1.2 s".</summary>
    public static string Progress(SweepResult r, int done, int total) =>
        $"[{done}/{total}] #{r.Configuration.Index} {Sweeps.Sweep.Describe(r.Configuration)}: {Score(r)}, {Epochs(r)} epochs, {Fmt.F(Seconds(r), 1)} s";

    /// <summary>"validation accuracy 95.00% ± 0.50%" or "validation loss 0.1234 ± 0.0100" (the ± part, the population
    /// standard deviation over the seeds, only with several seeds), or why a training failed.</summary>
    public static string Score(SweepResult r)
    {
        if (r.Runs.FirstOrDefault(run => run.Failure is not null) is { } failed) return $"failed with seed {failed.Seed}: {failed.Failure!.TrimEnd('.')}";
        bool several = r.Runs.Count > 1;
        return r.ValidationAccuracy is { } a
            ? $"validation accuracy {Fmt.Pct(a.Mean)}" + (several ? $" ± {Fmt.Pct(a.StandardDeviation)}" : "")
            : $"validation loss {Fmt.F(r.ValidationLoss.Mean)}" + (several ? $" ± {Fmt.F(r.ValidationLoss.StandardDeviation)}" : "");
    }

    public static string Render(IReadOnlyList<SweepResult> results, SweepResult? best, string heading)
    {
        bool classify = results.Count > 0 && results[0].Classification;
        string[] header = ["", "#", "learning rate", "width", "depth", "optimizer", "weight decay", "val loss", classify ? "val accuracy" : "val MSE", "epochs", "seconds"];
        var rows = new List<string[]> { header };
        foreach (SweepResult r in results)
        {
            SweepConfiguration c = r.Configuration;
            MetricSummary? second = classify ? r.ValidationAccuracy : r.ValidationMeanSquaredError;
            bool several = r.Runs.Count > 1;
            rows.Add(
            [
                ReferenceEquals(r, best) ? "*" : "", Inv(c.Index), Inv(c.LearningRate), Inv(c.Width), Inv(c.Depth), c.Optimizer.Name, Inv(c.WeightDecay),
                PlusMinus(r.ValidationLoss, several, v => Fmt.F(v)), second is { } s ? PlusMinus(s, several, v => classify ? Fmt.Pct(v) : Fmt.F(v)) : "-", Epochs(r), Fmt.F(Seconds(r), 2),
            ]);
        }
        var text = new StringBuilder(heading).AppendLine();
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(col => rows.Max(row => row[col].Length))];
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, col) => col is >= 7 ? cell.PadLeft(widths[col]) : cell.PadRight(widths[col]))).TrimEnd());
        }
        text.AppendLine(best is null ? "best: none (every configuration has a failed training)" : $"best: #{best.Configuration.Index} ({Sweeps.Sweep.Describe(best.Configuration)}): {Score(best)}");
        return text.ToString();
    }

    // "0.1234 ± 0.0012" (the ± part only with several seeds), "failed" for a configuration with a failed training.
    private static string PlusMinus(MetricSummary s, bool several, Func<double, string> format) =>
        double.IsNaN(s.Mean) ? "failed" : format(s.Mean) + (several ? " ± " + format(s.StandardDeviation) : "");

    // The epochs its trainings ran: "20", or "14-20" when the seeds' early stops differ.
    private static string Epochs(SweepResult r)
    {
        int min = r.Runs.Min(run => run.EpochsRun), max = r.Runs.Max(run => run.EpochsRun);
        return min == max ? Inv(min) : $"{Inv(min)}-{Inv(max)}";
    }

    private static double Seconds(SweepResult r) => r.Runs.Sum(run => run.Seconds);

    private static string Inv<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
