using System.Globalization;
using FastBackprop.Bench.Baselines;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Workloads;

/// <summary>The checks a training benchmark runs in setup so that its baselines are honest: each one
/// computes the engine's step, from the same initial weights, or the benchmark refuses to run.</summary>
public static class BaselineChecks
{
    /// <summary>Trains the engine, the reference, <see cref="ScalarFloatMlp"/> and
    /// <see cref="RowwiseTensorPrimitivesMlp"/> from the same initial weights on the first
    /// <paramref name="steps"/> patterns of <paramref name="data"/> (cycling) and throws unless every error
    /// and parameter agrees with the engine's within <paramref name="tolerance"/> (absolute). Returns a
    /// one-line summary.</summary>
    public static string Online(WorkloadData data, int steps, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(data);
        string name = data.Workload.ToString();
        float eta = data.Workload.LearningRate;
        Network engine = data.Workload.CreateNetwork();
        Workspace workspace = engine.CreateWorkspace();
        double[] reference = ToDouble(engine.Parameters);
        var scalar = new ScalarFloatMlp(data.Widths);
        var rowwise = new RowwiseTensorPrimitivesMlp(data.Widths);
        engine.Parameters.CopyTo(scalar.Parameters);
        engine.Parameters.CopyTo(rowwise.Parameters);

        for (int s = 0; s < steps; s++)
        {
            int i = s % data.Count;
            float e = engine.TrainStep(data.Input(i), data.Target(i), eta, workspace);
            double r = ReferenceBackprop.TrainStep(data.Workload.Definition, reference, data.InputDouble(i), data.TargetDouble(i), eta);
            float a = scalar.TrainStep(data.Input(i), data.Target(i), eta);
            float b = rowwise.TrainStep(data.Input(i), data.Target(i), eta);
            Check(name, "error (reference)", s, r, e, tolerance);
            Check(name, "error (scalar float)", s, a, e, tolerance);
            Check(name, "error (row-wise TensorPrimitives)", s, b, e, tolerance);
        }
        ReadOnlySpan<float> p = engine.Parameters;
        double dRef = MaxDifference(p, reference), dScalar = MaxDifference(p, ToDouble(scalar.Parameters)), dRow = MaxDifference(p, ToDouble(rowwise.Parameters));
        Check(name, "parameters (reference)", steps, dRef, 0, tolerance);
        Check(name, "parameters (scalar float)", steps, dScalar, 0, tolerance);
        Check(name, "parameters (row-wise TensorPrimitives)", steps, dRow, 0, tolerance);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Workload.Id}: after {steps} steps max |engine - x| over {p.Length} parameters: reference {dRef:E2}, scalar float {dScalar:E2}, row-wise TensorPrimitives {dRow:E2} (tolerance {tolerance:E0})");
    }

    /// <summary>Checks that the per-pattern reference baseline of a mini-batch benchmark computes the
    /// same step: one engine TrainBatch on a batch of one pattern against one ReferenceBackprop.TrainStep,
    /// from the same weights; throws unless every parameter agrees within <paramref name="tolerance"/>.</summary>
    public static string BatchOfOne(WorkloadData data, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(data);
        float eta = data.Workload.LearningRate;
        Network engine = data.Workload.CreateNetwork();
        double[] reference = ToDouble(engine.Parameters);
        using (BatchWorkspace workspace = engine.CreateBatchWorkspace(1))
        {
            engine.TrainBatch(data.Input(0), data.Target(0), eta, workspace);
        }
        ReferenceBackprop.TrainStep(data.Workload.Definition, reference, data.InputDouble(0), data.TargetDouble(0), eta);
        ReadOnlySpan<float> p = engine.Parameters;
        double max = MaxDifference(p, reference);
        Check(data.Workload.ToString(), "parameters after one step of a batch of 1 (reference)", 1, max, 0, tolerance);
        return string.Create(CultureInfo.InvariantCulture,
            $"{data.Workload.Id}: one step, batch of 1, max |engine - reference| over {p.Length} parameters {max:E2} (tolerance {tolerance:E0})");
    }

    /// <summary>The values widened to double: the reference's copy of a parameter buffer.</summary>
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    private static void Check(string name, string what, int step, double actual, double expected, double tolerance)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {what} differs from the engine at step {step}: {actual:R} vs {expected:R} (tolerance {tolerance:E0}); the comparison would not be honest."));
        }
    }

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
