using FastBackprop.IO;
using FastBackprop.Training;
using ScottPlot;

namespace FastBackprop.Cli;

/// <summary>The PNG pictures: a learning curve (loss and accuracy per epoch) and a confusion-matrix
/// heat map. ScottPlot renders them with SkiaSharp, headless, to bytes; AtomicFile writes them.</summary>
internal static class Plots
{
    public const int CurveWidth = 900, CurveHeight = 540;
    public const int ConfusionWidth = 760, ConfusionHeight = 680;

    /// <summary>Renders a picture and writes it atomically (a failed write leaves a good old PNG as it was).
    /// A failure (an unwritable folder, a full disk, a missing native library) is a warning on standard
    /// error, not the end of the command: the model is already saved.</summary>
    public static bool TryWrite(CliContext context, string path, Func<byte[]> render)
    {
        try
        {
            AtomicFile.Write(path, render());
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context.Warn(e is IOException or UnauthorizedAccessException
                ? e.Message.ReplaceLineEndings(" ")
                : $"could not draw {path}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return false;
        }
    }

    public static byte[] LearningCurve(IReadOnlyList<EpochReport> epochs, string title)
    {
        var plot = new Plot();
        double[] x = [.. epochs.Select(e => (double)e.Epoch)];
        var train = plot.Add.Scatter(x, [.. epochs.Select(e => e.TrainingLoss)]);
        train.LegendText = "training loss";
        train.LineWidth = 2;
        if (epochs.All(e => e.Validation is not null))
        {
            var validation = plot.Add.Scatter(x, [.. epochs.Select(e => e.Validation!.Loss)]);
            validation.LegendText = "validation loss";
            validation.LineWidth = 2;
        }
        plot.YLabel("loss (mean E per pattern)");

        bool hasAccuracy = epochs.All(e => e.TrainingAccuracy is not null);
        if (hasAccuracy)
        {
            var trainAccuracy = plot.Add.Scatter(x, [.. epochs.Select(e => 100 * e.TrainingAccuracy!.Value)]);
            trainAccuracy.LegendText = "training accuracy %";
            trainAccuracy.LinePattern = LinePattern.Dashed;
            trainAccuracy.Axes.YAxis = plot.Axes.Right;
            if (epochs.All(e => e.Validation?.Accuracy is not null))
            {
                var validationAccuracy = plot.Add.Scatter(x, [.. epochs.Select(e => 100 * e.Validation!.Accuracy!.Value)]);
                validationAccuracy.LegendText = "validation accuracy %";
                validationAccuracy.LinePattern = LinePattern.Dashed;
                validationAccuracy.Axes.YAxis = plot.Axes.Right;
            }
            plot.Axes.Right.Label.Text = "accuracy %";
        }
        plot.XLabel("epoch");
        plot.Title(title);
        plot.ShowLegend(Alignment.MiddleRight);
        return plot.GetImageBytes(CurveWidth, CurveHeight, ImageFormat.Png);
    }

    /// <summary>Validation accuracy % (classification) or loss against the learning rate on a log axis, one line per
    /// width; each point is the best configuration (by the sweep's rule) of that width and rate, failed ones left out.</summary>
    public static byte[] Sweep(IReadOnlyList<Sweeps.SweepResult> results, string title)
    {
        var plot = new Plot();
        bool classify = results[0].Classification;
        double[] rates = [.. results.Select(r => (double)r.Configuration.LearningRate).Distinct().Order()];
        foreach (IGrouping<int, Sweeps.SweepResult> width in results.Where(r => !double.IsNaN(r.Score)).GroupBy(r => r.Configuration.Width).OrderBy(g => g.Key))
        {
            var points = width.GroupBy(r => r.Configuration.LearningRate).Select(g => g.Aggregate((a, b) => b.IsBetterThan(a) ? b : a)).OrderBy(r => r.Configuration.LearningRate).ToList();
            double[] x = [.. points.Select(r => Math.Log10(r.Configuration.LearningRate))], y = [.. points.Select(r => classify ? 100 * r.Score : r.Score)];
            var line = plot.Add.Scatter(x, y);
            line.LegendText = $"width {Fmt.I(width.Key)}";
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }
        double[] ticks = [.. rates.Select(Math.Log10)];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, [.. rates.Select(r => Fmt.G(r))]);
        plot.XLabel("learning rate (log scale)");
        plot.YLabel(classify ? "validation accuracy % (mean over seeds)" : "validation loss (mean over seeds)");
        plot.Title(title);
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(CurveWidth, CurveHeight, ImageFormat.Png);
    }

    public static byte[] ConfusionMatrix(int[,] confusion, string title)
    {
        int n = confusion.GetLength(0);
        var plot = new Plot();
        // Row-normalised so that each actual class's cell colours read as recall.
        var share = new double[n, n];
        int max = 0;
        for (int a = 0; a < n; a++)
        {
            int total = 0;
            for (int p = 0; p < n; p++) total += confusion[a, p];
            for (int p = 0; p < n; p++)
            {
                share[a, p] = total == 0 ? 0 : (double)confusion[a, p] / total;
                max = Math.Max(max, confusion[a, p]);
            }
        }
        var heatmap = plot.Add.Heatmap(share);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Rectangle = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);   // cell edges: centres on whole numbers; data row 0 on top
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "share of the actual class";

        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                if (confusion[a, p] == 0) continue;
                var text = plot.Add.Text(Fmt.I(confusion[a, p]), p, n - 1 - a);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = n <= 12 ? 13 : 9;
                text.LabelFontColor = share[a, p] > 0.6 ? Colors.Black : Colors.White;
            }
        }
        double[] ticks = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        string[] labels = [.. Enumerable.Range(0, n).Select(i => Fmt.I(i))];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, labels);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, [.. labels.Reverse()]);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.XLabel("predicted class");
        plot.YLabel("actual class");
        plot.Title(title);
        return plot.GetImageBytes(ConfusionWidth, ConfusionHeight, ImageFormat.Png);
    }
}
