using System.Numerics.Tensors;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// Per-column standardisation of regression targets, fitted on training targets only:
//   d'[k] = (d[k] - Mean[k]) / StandardDeviation[k]      (training: what the network learns)
//   y[k]  = y'[k] * StandardDeviation[k] + Mean[k]        (inference: back to the target's units)
// Statistics in double (two passes, population standard deviation, divisor n, as scikit-learn's
// StandardScaler); the transforms in float as two TensorPrimitives passes each, so they round
// identically on every ISA. Never for classification: one-hot targets and class probabilities
// have no units to restore.
// ---------------------------------------------------------------------------------------------

/// <summary>Standardisation of regression targets, column by column: the network is trained on
/// <c>d' = (d - Mean) / StandardDeviation</c> and its outputs are mapped back with
/// <c>y = y' * StandardDeviation + Mean</c>, so predictions and mean squared errors are in the
/// targets' own units. Fitted on the training targets (<see cref="Fit"/>), applied to training and
/// validation data (<see cref="Apply(Dataset)"/>), stored in a model
/// (<see cref="IO.Model.TargetScaling"/>), inverted by <see cref="IO.Model.Predict"/> and
/// <see cref="IO.Model.Evaluate"/>.</summary>
/// <remarks>
/// <para>Why: a network with an identity output starts with outputs near 0 and moves them by about
/// the learning rate per step, so targets in the hundreds (scikit-learn's diabetes data: mean 152,
/// standard deviation 77) take thousands of steps before the fit even reaches their mean; on
/// standardised targets every output starts at the right scale, and one learning rate suits every
/// target column. The fit is unchanged in kind: half the squared error in standardised units is the
/// squared error in original units divided by 2·StandardDeviation² per column.</para>
/// <para>Nothing does this silently: <c>Trainer.Fit</c> trains on the targets it is given; the
/// command line applies it by default for regression (<c>--target-scaling</c>). Immutable and
/// thread-safe. A constant column (standard deviation 0, or below 2^-20 of the column's largest
/// magnitude, which is rounding noise) gets standard deviation 1, so it maps to 0 instead of
/// dividing by zero.</para>
/// </remarks>
public sealed class TargetScaling
{
    private const double ConstantTolerance = 1.0 / (1 << 20);

    private readonly float[] mean;
    private readonly float[] deviation;

    /// <summary>Recreates a scaling from its stored numbers (for example from a model file).</summary>
    /// <param name="mean">Per-column mean, subtracted before training and added back after prediction.</param>
    /// <param name="standardDeviation">Per-column standard deviation, each finite and greater than 0.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A standard deviation is 0 or negative.</exception>
    public TargetScaling(ReadOnlySpan<float> mean, ReadOnlySpan<float> standardDeviation)
    {
        ThrowHelper.CheckAtLeast(mean.Length, 1, "mean.Length");
        ThrowHelper.CheckLength(standardDeviation.Length, mean.Length, nameof(standardDeviation));
        ThrowHelper.CheckFinite(mean, nameof(mean));
        for (int k = 0; k < standardDeviation.Length; k++) ThrowHelper.CheckPositiveFinite(standardDeviation[k], $"standardDeviation[{k}]");
        this.mean = mean.ToArray();
        deviation = standardDeviation.ToArray();
    }

    /// <summary>Number of target columns (the network's output width).</summary>
    public int Width => mean.Length;

    /// <summary>Per-column mean of the training targets.</summary>
    public ReadOnlySpan<float> Mean => mean;

    /// <summary>Per-column population standard deviation (divisor n) of the training targets; 1 for a constant column.</summary>
    public ReadOnlySpan<float> StandardDeviation => deviation;

    /// <summary>Fits the scaling on the targets of <paramref name="training"/> (the inputs are not
    /// touched). Fit on the training part only, then apply the result to the training and
    /// validation parts alike.</summary>
    /// <param name="training">Regression data (no class labels) with at least one sample.</param>
    /// <exception cref="ArgumentException"><paramref name="training"/> is empty, or has class labels
    /// (classification targets are one-hot: there are no units to standardise).</exception>
    public static TargetScaling Fit(Dataset training)
    {
        ArgumentNullException.ThrowIfNull(training);
        CheckRegression(training, nameof(training));
        if (training.Count == 0) throw new ArgumentException("training has 0 samples; expected at least 1 to fit a target scaling.", nameof(training));
        int n = training.TargetWidth;
        (double[] sum, double[] std, double[] largest) = ColumnStatistics.Compute(training.Targets, n);
        var mean = new float[n];
        var deviation = new float[n];
        for (int k = 0; k < n; k++)
        {
            mean[k] = (float)sum[k];
            deviation[k] = IsConstant(std[k], largest[k]) ? 1f : (float)std[k];
        }
        return new TargetScaling(mean, deviation);
    }

    private static bool IsConstant(double spread, double magnitude) =>
        spread <= ConstantTolerance * magnitude || !(spread >= float.Epsilon) || spread > float.MaxValue;

    /// <summary>A new dataset whose targets are standardised, <c>d'[i, k] = (d[i, k] - Mean[k]) /
    /// StandardDeviation[k]</c>; the inputs (and their <see cref="Dataset.Scaling"/>) are shared with
    /// <paramref name="data"/>, which is left unchanged.</summary>
    /// <param name="data">Regression data of target width <see cref="Width"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> has class labels or another target
    /// width, or a scaled value overflows (a target far outside the fitted range).</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckRegression(data, nameof(data));
        if (data.TargetWidth != Width)
        {
            throw new ArgumentException($"data has target width {data.TargetWidth}; expected {Width} (the width the target scaling was fitted on).", nameof(data));
        }
        var scaled = new float[data.Targets.Length];
        for (int i = 0; i < data.Count; i++)
        {
            Span<float> row = scaled.AsSpan(i * Width, Width);
            TensorPrimitives.Subtract(data.GetTarget(i), mean, row);
            TensorPrimitives.Divide(row, deviation, row);
        }
        for (int i = 0; i < scaled.Length; i++)
        {
            if (!float.IsFinite(scaled[i]))
            {
                throw new ArgumentException($"scaled target [{i / Width}, {i % Width}] overflows to {scaled[i]}; the target is far outside the fitted range.", nameof(data));
            }
        }
        return data.WithTargets(scaled);
    }

    /// <summary>Maps network outputs back to target units, row by row, in place:
    /// <c>rows[i, k] = rows[i, k] * StandardDeviation[k] + Mean[k]</c> (a multiply, then an add).</summary>
    /// <param name="rows">One or more output rows of <see cref="Width"/> values, row-major.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of rows.</exception>
    public void InvertInPlace(Span<float> rows)
    {
        if (rows.Length % Width != 0)
        {
            throw new ArgumentException($"rows has length {rows.Length}; expected a multiple of {Width} (whole output rows).", nameof(rows));
        }
        for (int start = 0; start < rows.Length; start += Width)
        {
            Span<float> row = rows.Slice(start, Width);
            TensorPrimitives.Multiply(row, deviation, row);
            TensorPrimitives.Add(row, mean, row);
        }
    }

    /// <summary>The factor that turns a mean squared error in standardised units into target units
    /// when every column has the same standard deviation σ (always so for one column): σ². Null
    /// when the columns differ, since an average over columns then has no single factor.</summary>
    public double? SquaredErrorFactor
    {
        get
        {
            for (int k = 1; k < Width; k++)
            {
                if (deviation[k] != deviation[0]) return null;
            }
            return (double)deviation[0] * deviation[0];
        }
    }

    private static void CheckRegression(Dataset data, string paramName)
    {
        if (data.HasLabels)
        {
            throw new ArgumentException($"{paramName} has class labels; target scaling is for regression targets only (classification targets are one-hot).", paramName);
        }
    }
}
