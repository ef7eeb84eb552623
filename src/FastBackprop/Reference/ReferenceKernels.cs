namespace FastBackprop.Reference;

/// <summary>The kernels of <see cref="Kernels"/> as plain loops in double precision: the oracle the
/// property tests compare the vectorised kernels with. Same operand layout, one statement per
/// formula, no vectors, no cleverness.</summary>
public static class ReferenceKernels
{
    /// <summary>net_k = b_k + Σ_j w_kj x_j (W row-major, net.Length rows, x.Length columns).</summary>
    public static void Gemv(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<double> net)
    {
        ThrowHelper.CheckMatrix(weights.Length, net.Length, x.Length, nameof(weights));
        for (int k = 0; k < net.Length; k++)
        {
            double sum = bias[k];
            for (int j = 0; j < x.Length; j++) sum += (double)weights[k * x.Length + j] * x[j];
            net[k] = sum;
        }
    }

    /// <summary>s_j = Σ_k delta_k w_kj (W row-major, delta.Length rows, sums.Length columns).</summary>
    public static void GemvTransposed(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, Span<double> sums)
    {
        ThrowHelper.CheckMatrix(weights.Length, delta.Length, sums.Length, nameof(weights));
        for (int j = 0; j < sums.Length; j++)
        {
            double sum = 0;
            for (int k = 0; k < delta.Length; k++) sum += (double)delta[k] * weights[k * sums.Length + j];
            sums[j] = sum;
        }
    }

    /// <summary>result_kj = w_kj + scale · delta_k · y_j (W row-major, delta.Length rows, y.Length columns).</summary>
    public static void OuterProductUpdate(ReadOnlySpan<float> weights, ReadOnlySpan<float> delta, ReadOnlySpan<float> y, float scale, Span<double> result)
    {
        ThrowHelper.CheckMatrix(weights.Length, delta.Length, y.Length, nameof(weights));
        ThrowHelper.CheckLength(result.Length, weights.Length, nameof(result));
        for (int k = 0; k < delta.Length; k++)
        {
            for (int j = 0; j < y.Length; j++)
            {
                result[k * y.Length + j] = weights[k * y.Length + j] + (double)scale * delta[k] * y[j];
            }
        }
    }
}
