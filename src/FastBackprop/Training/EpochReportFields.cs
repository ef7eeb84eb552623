namespace FastBackprop.Training;

/// <summary>The stored form of an <see cref="EpochReport"/> in a checkpoint. Validation confusion matrices are not
/// kept: the reports after a resume carry loss, accuracy and mean squared error.</summary>
internal static class EpochReportFields
{
    /// <summary>The fewest bytes one report takes: epoch, loss, the flags of accuracy, error and validation
    /// (each without its value), rate, ticks and speed.</summary>
    public const int MinimumSize = 4 + 8 + 1 + 1 + 1 + 4 + 8 + 8;

    public static void Exchange(ref StateSerializer s, ref EpochReport? report)
    {
        int epoch = report?.Epoch ?? 0;
        double loss = report?.TrainingLoss ?? 0;
        double? accuracy = report?.TrainingAccuracy, meanSquaredError = report?.TrainingMeanSquaredError;
        bool validated = report?.Validation is not null;
        float rate = report?.LearningRate ?? 0;
        long ticks = report?.Elapsed.Ticks ?? 0;
        double speed = report?.PatternsPerSecond ?? 0;
        s.Int32(ref epoch, "a report's epoch", minimum: 1);
        s.Double(ref loss);
        s.OptionalDouble(ref accuracy);
        s.OptionalDouble(ref meanSquaredError);
        s.Boolean(ref validated);
        Evaluation? validation = report?.Validation;
        if (validated) Exchange(ref s, ref validation);
        s.Single(ref rate);
        s.Int64(ref ticks);
        s.Double(ref speed);
        if (s.IsReading) report = new EpochReport(epoch, loss, accuracy, meanSquaredError, validation, rate, new TimeSpan(ticks), speed);
    }

    private static void Exchange(ref StateSerializer s, ref Evaluation? evaluation)
    {
        int count = evaluation?.Count ?? 0;
        double loss = evaluation?.Loss ?? 0;
        double? accuracy = evaluation?.Accuracy, meanSquaredError = evaluation?.MeanSquaredError;
        s.Int32(ref count, "a validation's pattern count", minimum: 1);
        s.Double(ref loss);
        s.OptionalDouble(ref accuracy);
        s.OptionalDouble(ref meanSquaredError);
        if (s.IsReading) evaluation = new Evaluation(count, loss, accuracy, meanSquaredError, null);
    }
}
