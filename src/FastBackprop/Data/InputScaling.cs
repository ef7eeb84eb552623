using System.Numerics.Tensors;

namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// Per-feature affine input scaling, fitted on training data only and then applied unchanged to
// validation, test and inference inputs:  x'[j] = (x[j] - Offset[j]) * Scale[j].
// Statistics are accumulated in double; the transform runs in float as two TensorPrimitives
// passes (subtract, then multiply), so it rounds identically on every ISA.
// ---------------------------------------------------------------------------------------------

/// <summary>A per-feature affine scaling of inputs, <c>x'[j] = (x[j] - Offset[j]) * Scale[j]</c>,
/// fitted on a training set (<see cref="Fit"/>) and applied to any data of the same width. Its
/// numbers (<see cref="Kind"/>, <see cref="Offset"/>, <see cref="Scale"/>) are all there is to it:
/// a model file stores them and recreates the scaling with the public constructor.</summary>
/// <remarks>Immutable and thread-safe. Constant features (zero range or zero standard deviation,
/// or a spread below 2^-20 of the feature's largest magnitude, which is rounding noise) get scale
/// 1, as in scikit-learn: they map to 0 on the training data instead of dividing by zero.</remarks>
public sealed class InputScaling
{
    private const double ConstantTolerance = 1.0 / (1 << 20);

    private readonly float[] offset;
    private readonly float[] scale;

    /// <summary>Recreates a scaling from its stored numbers (for example from a model file).</summary>
    /// <param name="kind">How the numbers were fitted.</param>
    /// <param name="offset">Per-feature offset, subtracted first.</param>
    /// <param name="scale">Per-feature multiplier, applied after the offset.</param>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths, a value is
    /// not finite, or <paramref name="kind"/> is not a defined kind.</exception>
    public InputScaling(InputScalingKind kind, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentException($"kind is {(int)kind}; expected MinMax or Standardization.", nameof(kind));
        ThrowHelper.CheckAtLeast(offset.Length, 1, "offset.Length");
        ThrowHelper.CheckLength(scale.Length, offset.Length, nameof(scale));
        ThrowHelper.CheckFinite(offset, nameof(offset));
        ThrowHelper.CheckFinite(scale, nameof(scale));
        Kind = kind;
        this.offset = offset.ToArray();
        this.scale = scale.ToArray();
    }

    /// <summary>How the numbers were fitted.</summary>
    public InputScalingKind Kind { get; }

    /// <summary>Number of features (the input width it applies to).</summary>
    public int Width => offset.Length;

    /// <summary>Per-feature offset (min or mean), subtracted first.</summary>
    public ReadOnlySpan<float> Offset => offset;

    /// <summary>Per-feature multiplier (1 / range or 1 / standard deviation; 1 for a constant feature).</summary>
    public ReadOnlySpan<float> Scale => scale;

    // ---- fitting ------------------------------------------------------------------------------

    /// <summary>Fits a scaling of <paramref name="kind"/> on the inputs of <paramref name="training"/>
    /// (targets are not touched). Fit on the training part only, then apply the result to the
    /// training, validation and test parts alike.</summary>
    /// <param name="training">The training data; at least one sample.</param>
    /// <param name="kind">Min-max or standardisation.</param>
    /// <exception cref="ArgumentException"><paramref name="training"/> is empty or <paramref name="kind"/> is not defined.</exception>
    public static InputScaling Fit(Dataset training, InputScalingKind kind)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0) throw new ArgumentException("training has 0 samples; expected at least 1 to fit a scaling.", nameof(training));
        return kind switch
        {
            InputScalingKind.MinMax => FitMinMax(training),
            InputScalingKind.Standardization => FitStandardization(training),
            _ => throw new ArgumentException($"kind is {(int)kind}; expected MinMax or Standardization.", nameof(kind)),
        };
    }

    private static InputScaling FitMinMax(Dataset data)
    {
        int n = data.InputWidth;
        var min = new float[n];
        var max = new float[n];
        data.GetInput(0).CopyTo(min);
        data.GetInput(0).CopyTo(max);
        for (int i = 1; i < data.Count; i++)
        {
            ReadOnlySpan<float> x = data.GetInput(i);
            TensorPrimitives.Min(min, x, min);
            TensorPrimitives.Max(max, x, max);
        }

        var scale = new float[n];
        for (int j = 0; j < n; j++)
        {
            double range = (double)max[j] - min[j];
            scale[j] = IsConstant(range, Math.Max(Math.Abs(min[j]), Math.Abs(max[j]))) ? 1f : (float)(1.0 / range);
        }
        return new InputScaling(InputScalingKind.MinMax, min, scale);
    }

    private static InputScaling FitStandardization(Dataset data)
    {
        int n = data.InputWidth;
        (double[] mean, double[] std, double[] largest) = ColumnStatistics.Compute(data.Inputs, n);
        var offset = new float[n];
        var scale = new float[n];
        for (int j = 0; j < n; j++)
        {
            offset[j] = (float)mean[j];
            scale[j] = IsConstant(std[j], largest[j]) ? 1f : (float)(1.0 / std[j]);
        }
        return new InputScaling(InputScalingKind.Standardization, offset, scale);
    }

    private static bool IsConstant(double spread, double magnitude) =>
        spread <= ConstantTolerance * magnitude || spread == 0 || !double.IsFinite(1.0 / spread) || 1.0 / spread > float.MaxValue;

    /// <summary>The fixed scaling x / <paramref name="maximum"/> of a format whose values lie in
    /// [0, <paramref name="maximum"/>]: min-max with offset 0.</summary>
    internal static InputScaling UnitRange(int width, float maximum)
    {
        var offset = new float[width];
        var scale = new float[width];
        Array.Fill(scale, 1f / maximum);
        return new InputScaling(InputScalingKind.MinMax, offset, scale);
    }

    // ---- applying -----------------------------------------------------------------------------

    /// <summary>A new dataset whose inputs are scaled (<c>x'[i, j] = (x[i, j] - Offset[j]) * Scale[j]</c>);
    /// the targets and labels are shared with <paramref name="data"/>, which is left unchanged.
    /// The result's <see cref="Dataset.Scaling"/> is this scaling composed with the one
    /// <paramref name="data"/> already carries (a loader's), so it maps the file's raw numbers to
    /// the scaled inputs in one step: that is the scaling to store with a model trained on it.</summary>
    /// <param name="data">Data of input width <see cref="Width"/>.</param>
    /// <exception cref="ArgumentException">The input width differs from <see cref="Width"/>, or a
    /// scaled value overflows to infinity (an input far outside the fitted range).</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputWidth != Width)
        {
            throw new ArgumentException($"data has input width {data.InputWidth}; expected {Width} (the width the scaling was fitted on).", nameof(data));
        }

        var scaled = new float[data.Inputs.Length];
        for (int i = 0; i < data.Count; i++) Apply(data.GetInput(i), scaled.AsSpan(i * Width, Width));
        for (int i = 0; i < scaled.Length; i++)
        {
            if (!float.IsFinite(scaled[i]))
            {
                throw new ArgumentException($"scaled input [{i / Width}, {i % Width}] overflows to {scaled[i]}; the input is far outside the fitted range.", nameof(data));
            }
        }
        return data.WithInputs(scaled, Compose(data.Scaling, this));
    }

    /// <summary>The one scaling that does <paramref name="first"/>, then <paramref name="second"/>:
    /// <c>((x - a) * b - c) * d = (x - (a + c / b)) * (b * d)</c>, computed in double; its kind is
    /// <paramref name="second"/>'s (min-max or standardisation of already scaled data is the same fit
    /// in raw units).</summary>
    /// <exception cref="ArgumentException"><paramref name="first"/> has a zero scale (it cannot be
    /// composed: it forgets the raw value), or the composed numbers overflow a float.</exception>
    internal static InputScaling Compose(InputScaling? first, InputScaling second)
    {
        if (first is null) return second;
        ThrowHelper.CheckLength(second.Width, first.Width, "second.Width");
        var offset = new float[first.Width];
        var scale = new float[first.Width];
        for (int j = 0; j < offset.Length; j++)
        {
            double a = first.offset[j], b = first.scale[j], c = second.offset[j], d = second.scale[j];
            if (b == 0) throw new ArgumentException($"feature {j} has scale 0 in the data's existing scaling; it cannot be composed with another.", nameof(first));
            offset[j] = (float)(a + c / b);
            scale[j] = (float)(b * d);
            if (!float.IsFinite(offset[j]) || !float.IsFinite(scale[j]))
            {
                throw new ArgumentException($"feature {j}: the composed scaling (offset {offset[j]}, scale {scale[j]}) does not fit a float.", nameof(second));
            }
        }
        return new InputScaling(second.Kind, offset, scale);
    }

    /// <summary>Whether <paramref name="other"/> has the same kind and the same numbers, bit for bit.</summary>
    internal bool SameAs(InputScaling? other) =>
        other is not null && other.Kind == Kind && other.offset.AsSpan().SequenceEqual(offset) && other.scale.AsSpan().SequenceEqual(scale);

    /// <summary>Scales one input row: <c>destination[j] = (input[j] - Offset[j]) * Scale[j]</c>.
    /// <paramref name="destination"/> may be <paramref name="input"/> itself (in place); other
    /// overlaps are not allowed.</summary>
    /// <param name="input">One input row of <see cref="Width"/> values.</param>
    /// <param name="destination">Receives the <see cref="Width"/> scaled values.</param>
    /// <exception cref="ArgumentException">A span's length differs from <see cref="Width"/>.</exception>
    public void Apply(ReadOnlySpan<float> input, Span<float> destination)
    {
        ThrowHelper.CheckLength(input.Length, Width, nameof(input));
        ThrowHelper.CheckLength(destination.Length, Width, nameof(destination));
        TensorPrimitives.Subtract(input, offset, destination);
        TensorPrimitives.Multiply(destination, scale, destination);
    }

    /// <summary>Scales one input row in place: <c>values[j] = (values[j] - Offset[j]) * Scale[j]</c>.</summary>
    /// <param name="values">One input row of <see cref="Width"/> values.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/>' length differs from <see cref="Width"/>.</exception>
    public void ApplyInPlace(Span<float> values) => Apply(values, values);
}
