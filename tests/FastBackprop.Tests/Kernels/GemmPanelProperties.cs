using FastBackprop.Kernels;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm's panel work (Kernels/Gemm.Panels.cs) against its contract, over the same random shapes
// as the product itself and over shapes with several cache blocks in every dimension:
//   - the panels tile C: every element is prepared once and finished once, nothing outside
//     C's m x n (its row gaps included) is offered;
//   - Prepare comes before the product touches a panel: its elements still hold their old bits;
//   - Finish comes after the last depth block: it sees the final bits;
//   - the product is the plain product of the prepared C, bit for bit.
// The prepared values are C's old values plus one, so the last point also shows that the
// product read what Prepare wrote wherever beta is not 0.
// ---------------------------------------------------------------------------------------------

public partial class GemmProperties
{
    [Property(MaxTest = 40, Arbitrary = [typeof(Arbitraries)])]
    public void GemmPanels_KeepTheirContract_NN(GemmCase c) => CheckPanels(GemmForm.NN, c);

    [Property(MaxTest = 40, Arbitrary = [typeof(Arbitraries)])]
    public void GemmPanels_KeepTheirContract_NT(GemmCase c) => CheckPanels(GemmForm.NT, c);

    [Property(MaxTest = 40, Arbitrary = [typeof(Arbitraries)])]
    public void GemmPanels_KeepTheirContract_TN(GemmCase c) => CheckPanels(GemmForm.TN, c);

    // Several B blocks (n > NC = 256), depth blocks (k > KC = 256) and row blocks (m > MC = 1536), the narrow path
    // (n <= 16 for NT, m <= 16 for TN) and a product that reads no A or B (alpha 0).
    [Theory]
    [InlineData(GemmForm.NT, 70, 600, 530, 1f, 1f)]
    [InlineData(GemmForm.NN, 45, 520, 300, -0.5f, 0f)]
    [InlineData(GemmForm.TN, 33, 777, 513, 2f, 1f)]
    [InlineData(GemmForm.NT, 1545, 40, 9, 1f, 1f)]
    [InlineData(GemmForm.NT, 100, 10, 300, 1f, 1f)]
    [InlineData(GemmForm.TN, 10, 300, 100, 0.5f, 1f)]
    [InlineData(GemmForm.NN, 20, 30, 40, 0f, 2f)]
    public void GemmPanels_KeepTheirContract_CacheBlocks(GemmForm form, int m, int n, int k, float alpha, float beta) =>
        CheckPanels(form, new GemmCase(m, n, k, alpha, beta, 3, 1, 5, m + n + k));

    private static void CheckPanels(GemmForm form, GemmCase s)
    {
        Problem p = Problem.Create(form, s);
        float[] prepared = (float[])p.C.Clone();
        for (int i = 0; i < s.M; i++)
        {
            for (int j = 0; j < s.N; j++) prepared[i * p.Ldc + j] += 1f;
        }
        float[] expected = (float[])prepared.Clone();
        Gemm.Multiply(form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, expected, p.Ldc);

        float[] c = (float[])p.C.Clone();
        var panels = new RecordingPanels(c, p.C, prepared, p.Ldc, s.M, s.N);
        Gemm.Multiply(form, s.M, s.N, s.K, s.Alpha, p.A, p.Lda, p.B, p.Ldb, s.Beta, c, p.Ldc, ref panels);

        for (int i = 0; i < s.M; i++)
        {
            for (int j = 0; j < s.N; j++)
            {
                int at = i * p.Ldc + j;
                Assert.True(panels.Prepared[at] == 1 && panels.Finished[at] == 1,
                    $"{form} {s}: C[{i}, {j}] prepared {panels.Prepared[at]} and finished {panels.Finished[at]} times; expected once each");
                Assert.True(BitConverter.SingleToInt32Bits(panels.Seen[at]) == BitConverter.SingleToInt32Bits(c[at]),
                    $"{form} {s}: Finish saw C[{i}, {j}] = {panels.Seen[at]}, the product's final value is {c[at]}");
                Assert.True(BitConverter.SingleToInt32Bits(expected[at]) == BitConverter.SingleToInt32Bits(c[at]),
                    $"{form} {s}: C[{i}, {j}] = {c[at]} with panels, {expected[at]} for the plain product of the prepared C");
            }
        }
        for (int at = 0; at < c.Length; at++)
        {
            if (at % p.Ldc >= s.N) Assert.Equal(p.C[at], c[at]);   // the row gaps stay as they were
        }
    }

    /// <summary>Panel work that checks and records every call: Prepare writes the prepared values, Finish copies C.</summary>
    private readonly struct RecordingPanels(float[] c, float[] original, float[] prepared, int ldc, int m, int n) : Gemm.IPanelWork
    {
        public int[] Prepared { get; } = new int[c.Length];

        public int[] Finished { get; } = new int[c.Length];

        public float[] Seen { get; } = new float[c.Length];

        public void Prepare(int row, int rows, int column, int columns)
        {
            foreach (int at in Panel(row, rows, column, columns))
            {
                Assert.True(Finished[at] == 0, $"panel ({row}, {rows}, {column}, {columns}) prepared after it was finished");
                Assert.True(BitConverter.SingleToInt32Bits(c[at]) == BitConverter.SingleToInt32Bits(original[at]),
                    $"panel ({row}, {rows}, {column}, {columns}) was written before Prepare");
                Prepared[at]++;
                c[at] = prepared[at];
            }
        }

        public void Finish(int row, int rows, int column, int columns)
        {
            foreach (int at in Panel(row, rows, column, columns))
            {
                Finished[at]++;
                Seen[at] = c[at];
            }
        }

        private List<int> Panel(int row, int rows, int column, int columns)
        {
            Assert.True(row >= 0 && rows > 0 && row + rows <= m && column >= 0 && columns > 0 && column + columns <= n,
                $"panel ({row}, {rows}, {column}, {columns}) is not inside the {m} x {n} C");
            var elements = new List<int>(rows * columns);
            for (int i = row; i < row + rows; i++)
            {
                for (int j = column; j < column + columns; j++) elements.Add((i * ldc) + j);
            }
            return elements;
        }
    }
}
