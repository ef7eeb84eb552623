namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// MaxNormConstraint: the max-norm constraint of Srivastava et al. 2014 ("Dropout: a simple way
// to prevent neural networks from overfitting", JMLR 15, section 5.1; Keras's MaxNorm), applied
// after an update: each unit's incoming weight vector w_k (biases excluded) is projected onto the
// ball of radius c,
//
//   n_k = sqrt(Σ_j w_kj²);   if n_k > c:  w_kj = w_kj · (c / n_k)
//
// Operands: one dense layer's weight block, rows x columns row-major, row k = unit k's incoming
// weights (the layout of LayerLayout: W is N_l x N_(l-1)), so a unit's vector is one contiguous
// row. Rows at or under c are not touched (Keras scales every row by clip(n, 0, c) / (n + 1e-7),
// which moves even rows under c by a relative 1e-7 / n; the projection here leaves them alone).
//
// Bits: Σ_j w_kj² is ParameterReductions.SumOfSquares (16 canonical lanes, fused multiply-adds,
// the fixed tree: the same bits at every tier), the root and the ratio are taken in double and the
// ratio rounded once to float, and the row is scaled by one rounded multiply per element
// (VectorArithmetic.Scale). So the result is the same bits at every tier and on every CPU. After
// the projection a row's exact norm is c within the roundings: the float sum's relative error is at
// most (columns/16 + 4) 2^-24 (sum of squares; half that for the norm), the ratio's and each
// product's 2^-24 each.
// A row whose sum of squares overflows float (|w| > ~1.8e19) is summed again in double; a row with
// a NaN or infinite weight is left unchanged (the trainer's finiteness check reports it).
// Kernel handles any rows and columns >= 0. Kernel never allocates or reads past the block.
// ---------------------------------------------------------------------------------------------

/// <summary>Projects each row of a row-major weight block onto the L2 ball of radius c (see the file header).</summary>
internal static class MaxNormConstraint
{
    /// <summary>For each row k of the rows x columns block: when <c>||w_k||₂ &gt; maxNorm</c>, <c>w_k *= maxNorm / ||w_k||₂</c>.</summary>
    /// <param name="weights">The block, rows · columns floats, row-major, updated in place.</param>
    /// <param name="rows">Units (rows), &gt;= 0.</param>
    /// <param name="columns">Inputs per unit (row length), &gt;= 0.</param>
    /// <param name="maxNorm">c, finite and &gt; 0 (not validated here).</param>
    /// <returns>The number of rows that were scaled.</returns>
    /// <exception cref="ArgumentException"><paramref name="weights"/> is not rows · columns long.</exception>
    public static int Apply(Span<float> weights, int rows, int columns, float maxNorm)
    {
        ThrowHelper.CheckLength(weights.Length, rows * columns, nameof(weights));
        int scaled = 0;
        for (int k = 0; k < rows; k++)
        {
            Span<float> row = weights.Slice(k * columns, columns);
            double norm = Norm(row);
            if (double.IsFinite(norm) && norm > maxNorm)
            {
                VectorArithmetic.Scale(row, (float)(maxNorm / norm));
                scaled++;
            }
        }
        return scaled;
    }

    /// <summary>||row||₂ from the canonical float sum of squares (in double when that overflows).</summary>
    internal static double Norm(ReadOnlySpan<float> row)
    {
        float sum = ParameterReductions.SumOfSquares(row);
        if (float.IsPositiveInfinity(sum))
        {
            double wide = 0;
            foreach (float v in row) wide += (double)v * v;
            return Math.Sqrt(wide);
        }
        return Math.Sqrt(sum);
    }
}
