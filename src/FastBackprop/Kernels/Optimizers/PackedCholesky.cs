namespace FastBackprop.Kernels.Optimizers;

// ---------------------------------------------------------------------------------------------
// PackedCholesky: A = L Lᵀ for a symmetric positive definite matrix stored as its lower triangle,
// packed row by row (element (i, j), j ≤ i, at i(i+1)/2 + j), and the solve of A x = b from the
// factor. Levenberg-Marquardt's (JᵀHJ + mu I) Δ = -g.
//
// Row-oriented (Cholesky-Banachiewicz), so that every inner product is of two contiguous row
// prefixes, taken by ParameterReductions.Dot in the canonical order:
//
//   l_ij = (a_ij - Σ_{k<j} l_ik l_jk) / l_jj        (j < i)
//   l_ii = sqrt(a_ii - Σ_{k<i} l_ik²)
//   forward    y_i = (b_i - Σ_{k<i} l_ik y_k) / l_ii
//   backward   x_i = y_i / l_ii, then y_k -= l_ik x_i for k < i   (i from n-1 down: row i of L is contiguous)
//
// Error bounds (Higham, "Accuracy and Stability of Numerical Algorithms", Thm 10.3 and 10.4):
// the computed factor satisfies L Lᵀ = A + ΔA with |ΔA| ≤ γ_{n+1} |L||Lᵀ|, and the computed
// solution (A + ΔA) x = b with |ΔA| ≤ γ_{3n+1} |L||Lᵀ| (the tests check exactly these).
// Operands: packed holds n(n+1)/2 doubles; x holds n. Never allocates.
// ---------------------------------------------------------------------------------------------

/// <summary>Cholesky factorisation and solve on a packed lower triangle, in double, in a width-independent order.</summary>
internal static class PackedCholesky
{
    /// <summary>Overwrites <paramref name="packed"/> (A's lower triangle) with L, A = L Lᵀ. Returns false, leaving
    /// the matrix partly overwritten, when a pivot a_ii - Σ l_ik² is not positive and finite (A is not numerically
    /// positive definite).</summary>
    public static bool Factor(Span<double> packed, int n)
    {
        ThrowHelper.CheckLength(packed.Length, n * (n + 1) / 2, nameof(packed));
        for (int i = 0; i < n; i++)
        {
            Span<double> rowI = packed.Slice(i * (i + 1) / 2, i + 1);
            for (int j = 0; j < i; j++)
            {
                ReadOnlySpan<double> rowJ = packed.Slice(j * (j + 1) / 2, j + 1);
                double s = rowI[j] - ParameterReductions.Dot(rowI[..j], rowJ[..j]);
                rowI[j] = s / rowJ[j];
            }
            double pivot = rowI[i] - ParameterReductions.Dot(rowI[..i], rowI[..i]);
            if (!(pivot > 0 && double.IsFinite(pivot))) return false;
            rowI[i] = Math.Sqrt(pivot);
        }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b in place (<paramref name="x"/> holds b on entry) from a factor of <see cref="Factor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> factor, int n, Span<double> x)
    {
        ThrowHelper.CheckLength(factor.Length, n * (n + 1) / 2, nameof(factor));
        ThrowHelper.CheckLength(x.Length, n, nameof(x));
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = factor.Slice(i * (i + 1) / 2, i + 1);
            x[i] = (x[i] - ParameterReductions.Dot(row[..i], x[..i])) / row[i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            ReadOnlySpan<double> row = factor.Slice(i * (i + 1) / 2, i + 1);
            double xi = x[i] / row[i];
            x[i] = xi;
            for (int k = 0; k < i; k++) x[k] -= row[k] * xi;   // two roundings, in this order at every width (scalar code)
        }
    }
}
