using System.Globalization;
using System.Text;
using FastBackprop.Data;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>What the FitMany tests compare: a training's result written out to the bit (every figure of every epoch but
/// the wall time, why it stopped, the weights it left), so that two trainings agree exactly when their texts do.</summary>
internal static class ManyTraining
{
    /// <summary>The history (or the failure) and the parameters of one training, as text; equal texts mean equal bits.</summary>
    public static string Describe(TrainingHistory? history, Exception? failure, Network network)
    {
        var text = new StringBuilder();
        if (failure is not null) text.Append(CultureInfo.InvariantCulture, $"failed: {failure.GetType().Name}: {failure.Message}\n");
        if (history is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"{history.StopReason} best {history.BestEpoch} halvings {history.LearningRateHalvings} {history.Weights}\n");
            foreach (EpochReport e in history.Epochs) Epoch(text, e);
        }
        text.Append("parameters");
        foreach (float w in network.Parameters) text.Append(CultureInfo.InvariantCulture, $" {BitConverter.SingleToInt32Bits(w):X8}");
        return text.ToString();
    }

    /// <summary><see cref="Describe(TrainingHistory?, Exception?, Network)"/> of an outcome of FitMany.</summary>
    public static string Describe(TrainingOutcome outcome) => Describe(outcome.History, outcome.Failure, outcome.Job.Network);

    /// <summary><see cref="Describe(TrainingHistory?, Exception?, Network)"/> of Fit on the same arguments (its exception, if it throws one).</summary>
    public static string DescribeFit(Network network, Dataset data, TrainingOptions options)
    {
        try
        {
            return Describe(Trainer.Fit(network, data, options, cancellationToken: TestContext.Current.CancellationToken), null, network);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            return Describe(null, e, network);
        }
    }

    private static void Epoch(StringBuilder text, EpochReport e)
    {
        text.Append(CultureInfo.InvariantCulture, $"epoch {e.Epoch}: {Bits(e.TrainingLoss)} {Bits(e.TrainingAccuracy)} {Bits(e.TrainingMeanSquaredError)} rate {BitConverter.SingleToInt32Bits(e.LearningRate):X8}");
        if (e.Validation is { } v)
        {
            text.Append(CultureInfo.InvariantCulture, $" validation {v.Count} {Bits(v.Loss)} {Bits(v.Accuracy)} {Bits(v.MeanSquaredError)} {Bits(v.WeightSum)}");
            if (v.ConfusionMatrix is { } m)
            {
                foreach (int n in m) text.Append(CultureInfo.InvariantCulture, $" {n}");
            }
        }
        text.Append('\n');
    }

    private static string Bits(double? x) => x is { } v ? BitConverter.DoubleToInt64Bits(v).ToString("X16", CultureInfo.InvariantCulture) : "-";
}
