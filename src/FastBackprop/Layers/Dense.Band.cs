using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The first layer's forward and update in the row schedule (Network/Plans/BatchPlan.Rows.cs) on
// two pieces: by the units of the layer schedule's cut (a block of W's rows each), except a band
// of units either side of the cut, which the pieces take in blocks as each comes free
// (ThreadTeam.Claim). Both are followed by a wait for the other piece (the barrier after the
// forward, the region's join after the update), and on a shared 2-vCPU machine the pieces' speeds
// differ by up to a third from run to run, which a fixed cut cannot follow. The band takes up to
// one column grain of units of the imbalance either way.
//
// The blocks are listed from piece 0's side of the band to piece 1's; piece 0 takes them from the
// front and piece 1 from the back, so each piece first does the band's units on its own side of
// the cut, whose rows of W stay in its cache from forward to update to the next forward; only a
// piece that is ahead crosses to the other side.
//
// Bits: each block is a block of the same product, its sum over k whole (Gemm.MultiplyBlock), and
// the bias rows and f are element-wise, so an element gets the same operations whichever piece
// computes it, and the piece that does a block (which depends on timing) never shows in the result.
// ---------------------------------------------------------------------------------------------

public sealed partial class Dense
{
    // Units on each side of the cut in the band.
    private const int BandHalf = Gemm.ColumnGrain;

    // The update's band blocks are at least 12 grains of W's columns wide (2 per side on W3b); the forward's, the batch's
    // rows in blocks of at least 32.
    private const int BandColumns = 12 * Gemm.ColumnGrain, BandRows = 32;

    /// <summary>Whether the first layer's forward and update on <paramref name="active"/> pieces take the band: two
    /// pieces, a built-in element-wise function, and the update's cut by units (UpdateBatch), whose cut has a grain of
    /// units either side.</summary>
    internal bool TakesBand(int rows, int active) => active == 2 && DerivativeSplits && CutsUnits(rows, active) && 4 * rows <= Width;

    // (1), (2): this piece's units short of the band, then band blocks of the batch's rows until none is left.
    internal void ForwardWithBand(in LayerPass pass)
    {
        int rows = pass.Rows;
        int cut = BandCut;
        ForwardBlock(pass, (0, rows), pass.Team.Part == 0 ? (0, cut - BandHalf) : (cut + BandHalf, Width));
        int perSide = Math.Max(1, rows / BandRows);
        for (int taken = 0; pass.Team.Claim(2 * perSide); taken++)
        {
            ((int, int) units, int chunk) = BandBlock(pass.Team, taken, perSide, cut);
            ForwardBlock(pass, new ThreadTeam(chunk, perSide, null).Share(rows, RowGrain, perSide), units);
        }
    }

    // Z = X Wᵀ + 1 bᵀ and Y = f(Z) on one block of rows x units (TakesBand: f is element-wise and built in).
    private void ForwardBlock(in LayerPass pass, (int First, int End) rows, (int First, int End) units) =>
        NetSumBlock(pass, rows, units, activate: true);

    // W = scale dZᵀ X (+ W): this piece's units short of the band, then band blocks of W's columns until none is left.
    private void UpdateWithBand(in LayerPass pass, Span<float> weights, float scale, float beta)
    {
        int rows = pass.Rows, inputs = pass.Input.Length / rows;
        ThreadTeam team = pass.Team;
        int cut = BandCut;
        (int, int) own = team.Part == 0 ? (0, cut - BandHalf) : (cut + BandHalf, Width);
        ReadOnlySpan<float> dz = pass.OutputGradient;
        Gemm.MultiplyBlock(GemmForm.TN, Width, inputs, rows, own, (0, inputs), scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        int perSide = Math.Max(1, inputs / BandColumns);
        for (int taken = 0; team.Claim(2 * perSide); taken++)
        {
            ((int, int) units, int chunk) = BandBlock(team, taken, perSide, cut);
            (int, int) columns = new ThreadTeam(chunk, perSide, null).Share(inputs, Gemm.ColumnGrain, perSide);
            Gemm.MultiplyBlock(GemmForm.TN, Width, inputs, rows, units, columns, scale, dz, Width, pass.Input, inputs, beta, weights, inputs);
        }
    }

    // The cut between the two pieces' units: the layer schedule's (Share at the column grain).
    private int BandCut => new ThreadTeam(0, 2, null).Share(Width, Gemm.ColumnGrain, 2).End;

    // This piece's taken-th block: its units (a side of the band) and its chunk (0 to perSide - 1) of the other dimension.
    private static ((int, int) Units, int Chunk) BandBlock(ThreadTeam team, int taken, int perSide, int cut)
    {
        int block = team.Part == 0 ? taken : 2 * perSide - 1 - taken;
        return block < perSide ? ((cut - BandHalf, cut), block) : ((cut, cut + BandHalf), 2 * perSide - 1 - block);
    }
}
