using FastBackprop.Kernels.Optimizers;
using FastBackprop.Tests.Training;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels.Optimizers;

/// <summary><see cref="PackedCholesky"/> within Higham's componentwise bounds ("Accuracy and Stability of Numerical
/// Algorithms", 2nd ed., Thm 10.3 and 10.4): L Lᵀ = A + ΔA with |ΔA| ≤ γ_{n+1} |L||Lᵀ|, and the solve satisfies
/// (A + ΔA) x = b with |ΔA| ≤ γ_{3n+1} |L||Lᵀ|. The theorems assume inner products whose terms each pass through at most
/// n roundings; the canonical order's tree adds 4 levels and its FMA one more, so n is replaced by n + 5 (u = 2^-53).</summary>
[Properties(Arbitrary = [typeof(OptimizerGenerators)], MaxTest = 100)]
public class PackedCholeskyProperties
{
    private const double U = 1.0 / (1L << 53);

    private static double Gamma(int k) => k * U / (1 - k * U);

    [Property]
    public void Cholesky_FactorAndSolve_WithinHighamBounds(OptimizerCase c)
    {
        var random = new SeededRandom(c.Seed);
        int n = 1 + c.Length % 60;
        double[,] a = RandomPositiveDefinite(random, n, conditioned: c.RandomStart);
        double[] packed = Pack(a, n);
        Assert.True(PackedCholesky.Factor(packed, n), $"{c}: a positive definite matrix of order {n} was not factorised.");
        double[,] l = Unpack(packed, n);
        double gammaFactor = Gamma(n + 6), gammaSolve = Gamma(3 * (n + 5) + 1);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double product = 0, magnitude = 0;
                for (int k = 0; k <= j; k++)
                {
                    product += l[i, k] * l[j, k];
                    magnitude += Math.Abs(l[i, k] * l[j, k]);
                }
                // the double reference sum adds its own γ_n of the same magnitudes
                Assert.True(Math.Abs(product - a[i, j]) <= (gammaFactor + Gamma(n)) * magnitude, $"{c}: (L Lᵀ - A)[{i},{j}] = {product - a[i, j]:E3}, bound {gammaFactor * magnitude:E3}.");
            }
        }

        double[] b = new double[n];
        for (int i = 0; i < n; i++) b[i] = random.NextSymmetric(5f);
        double[] x = (double[])b.Clone();
        PackedCholesky.Solve(packed, n, x);
        for (int i = 0; i < n; i++)
        {
            double residual = b[i], bound = 0;
            for (int j = 0; j < n; j++)
            {
                residual -= a[i, j] * x[j];
                double llt = 0;
                for (int k = 0; k <= Math.Min(i, j); k++) llt += Math.Abs(l[i, k] * l[j, k]);
                bound += llt * Math.Abs(x[j]) + Math.Abs(a[i, j] * x[j]) * Gamma(n + 1) / gammaSolve;
            }
            Assert.True(Math.Abs(residual) <= gammaSolve * bound, $"{c}: residual {residual:E3} of row {i} exceeds {gammaSolve * bound:E3}.");
        }
    }

    [Fact]
    public void Cholesky_Factor_RejectsIndefiniteAndNaN()
    {
        double[] indefinite = [1, 2, 1];   // [[1, 2], [2, 1]]: eigenvalues 3 and -1
        Assert.False(PackedCholesky.Factor(indefinite, 2));
        Assert.False(PackedCholesky.Factor([double.NaN], 1));
        Assert.False(PackedCholesky.Factor([0.0], 1));
        Assert.Equal("packed", Assert.Throws<ArgumentException>(() => PackedCholesky.Factor(new double[5], 3)).ParamName);
    }

    // B Bᵀ + shift I: well conditioned with a large shift, nearly singular (condition ~1e8) with a tiny one.
    private static double[,] RandomPositiveDefinite(SeededRandom random, int n, bool conditioned)
    {
        double[,] bm = new double[n, n], a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) bm[i, j] = random.NextSymmetric(1f);
        }
        double shift = conditioned ? n : 1e-8 * n;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += bm[i, k] * bm[j, k];
                a[i, j] = s + (i == j ? shift : 0);
            }
        }
        return a;
    }

    private static double[] Pack(double[,] a, int n)
    {
        double[] packed = new double[n * (n + 1) / 2];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++) packed[i * (i + 1) / 2 + j] = a[i, j];
        }
        return packed;
    }

    private static double[,] Unpack(double[] packed, int n)
    {
        double[,] l = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++) l[i, j] = packed[i * (i + 1) / 2 + j];
        }
        return l;
    }
}
