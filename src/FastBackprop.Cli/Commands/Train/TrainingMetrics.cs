using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>What the figures `train` and `eval` print mean, named once: the loss is the objective the
/// network is trained on (per pattern, then the mean over the patterns), which for regression is half
/// the summed squared error of the targets as trained on, standardised by default; the mean squared
/// error (MSE) is scikit-learn's mean_squared_error, the mean of (y - d)² over patterns and outputs,
/// in the targets' own units.</summary>
internal static class TrainingMetrics
{
    /// <summary>The legend lines above the epoch table.</summary>
    public static string[] Legend(string lossName, bool classify, TargetScaling? targets)
    {
        if (classify) return [$"  loss: {lossName} per pattern, mean over the patterns; acc: share of patterns whose largest output is their class"];
        string on = targets is null ? "the targets as given" : "the standardised targets";
        return [$"  loss: {Loss(lossName)} per pattern on {on}, mean over the patterns (the objective)",
                $"  MSE: mean of (y - d)² over patterns and outputs{MseUnits(targets)}"];
    }

    /// <summary>How the loss is named in `eval`'s line and the legend: "HalfSquaredError (½·Σ(y - d)²)".</summary>
    public static string Loss(string lossName) => lossName == nameof(FastBackprop.Loss.HalfSquaredError) ? $"{lossName} (½·Σ(y - d)²)" : lossName;

    /// <summary>", in the targets' units", or the caveat when the MSE stays in standardised units.</summary>
    public static string MseUnits(TargetScaling? targets) =>
        targets is not null && targets.SquaredErrorFactor is null ? ", in standardised units (the target columns' standard deviations differ)" : ", in the targets' units";

    /// <summary>A mean squared error measured on the targets as trained on, in the targets' own units:
    /// times σ² when they were standardised with one σ (one target column, or equal ones); unchanged
    /// otherwise (see <see cref="MseUnits"/>).</summary>
    public static double? InTargetUnits(double? meanSquaredError, TargetScaling? targets) =>
        meanSquaredError * (targets?.SquaredErrorFactor ?? 1.0);

    /// <summary>A mean squared error for the table: whole numbers with separators from 1,000 up (the
    /// targets' units can be large), else 4 significant digits.</summary>
    public static string Format(double meanSquaredError) =>
        meanSquaredError.ToString(Math.Abs(meanSquaredError) >= 1000 ? "N0" : "G4", System.Globalization.CultureInfo.InvariantCulture);
}
