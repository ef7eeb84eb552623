using System.Numerics.Tensors;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// SampleWeighting: the weighted mean of a batch, applied to its output error signals.
//
//   W    = Σ_p w_p                                    (float, rows in order)
//   s_p  = (w_p · B) / W                              the row's share of the batch's mean
//   dE_p ← s_p · dE_p                                 each row's ∂E_p/∂y (or ∂E_p/∂net)
//   E    = Σ_p s_p E_p                                (float, rows in order)
//
// The backward pass then scales the sum over the rows by 1/B, as it does for every batch, so the
// gradient is (1/B) Σ_p s_p ∂E_p/∂w = Σ_p w_p ∂E_p/∂w / W, the weighted mean's gradient, and
// E / B = Σ_p w_p E_p / W, the weighted mean loss (scikit-learn's sample_weight semantics). The
// backward is linear in the output signal, so scaling it row by row is all that is needed.
// Operands: signal is B rows of `width` floats, row-major; weights and rowErrors B floats.
// Bits: each row is one IEEE multiplication per element, the sums run in row order on one thread,
// so the results do not depend on the vector tier or the thread count.
// ---------------------------------------------------------------------------------------------

/// <summary>The per-row scaling that turns a batch's mean into its weighted mean.</summary>
internal static class SampleWeighting
{
    /// <summary>Σ_p w_p in float, in row order.</summary>
    public static float Sum(ReadOnlySpan<float> weights)
    {
        float sum = 0f;
        for (int p = 0; p < weights.Length; p++) sum += weights[p];
        return sum;
    }

    /// <summary>Whether every weight equals the first: the weighted mean is then the plain mean, to the bit.</summary>
    public static bool AllEqual(ReadOnlySpan<float> weights)
    {
        for (int p = 1; p < weights.Length; p++)
        {
            if (weights[p] != weights[0]) return false;
        }
        return true;
    }

    /// <summary>Each row's half squared error <c>E_p = ½ Σ_k signal[p, k]²</c> from its signal y - d, as
    /// <see cref="OutputDelta.HalfSquaredError"/> computes it for one pattern (the same 16-lane dot product), into
    /// <paramref name="rowErrors"/>[p].</summary>
    public static void HalfSquaredRowErrors(ReadOnlySpan<float> signal, int width, Span<float> rowErrors)
    {
        for (int p = 0; p < rowErrors.Length; p++) rowErrors[p] = OutputDelta.HalfSquaredSum(signal.Slice(p * width, width));
    }

    /// <summary>Scales row p of <paramref name="signal"/> by s_p (see the file header; by w_p itself when
    /// <paramref name="normalize"/> is false: online training, where there is no batch to average over) and returns
    /// Σ_p s_p E_p with s_p = w_p B / W, B times the weighted mean loss. <paramref name="weightedErrorSum"/> gets
    /// Σ_p w_p E_p in double (evaluation adds these up over batches). When W is 0 every signal becomes 0 and both
    /// sums are 0.</summary>
    /// <param name="signal">B rows of <paramref name="width"/> output error signals; scaled in place.</param>
    /// <param name="width">Values per row.</param>
    /// <param name="rowErrors">E_p of each of the B rows.</param>
    /// <param name="weights">w_p of each of the B rows: finite, 0 or more.</param>
    /// <param name="normalize">Whether the scale is w_p B / W (a batch's weighted mean) or w_p (one pattern's step).</param>
    /// <param name="weightedErrorSum">Σ_p w_p E_p, in double.</param>
    public static float Apply(Span<float> signal, int width, ReadOnlySpan<float> rowErrors, ReadOnlySpan<float> weights, bool normalize, out double weightedErrorSum)
    {
        int rows = weights.Length;
        float total = Sum(weights);
        weightedErrorSum = 0;
        if (total == 0)
        {
            signal[..(rows * width)].Clear();
            return 0f;
        }
        float error = 0f;
        for (int p = 0; p < rows; p++)
        {
            float share = weights[p] * rows / total;
            Span<float> row = signal.Slice(p * width, width);
            TensorPrimitives.Multiply(row, normalize ? share : weights[p], row);
            error += share * rowErrors[p];
            weightedErrorSum += (double)weights[p] * rowErrors[p];
        }
        return error;
    }
}
