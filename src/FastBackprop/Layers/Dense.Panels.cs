using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// A dense layer's element-wise work inside its batch products, panel by panel of C as Gemm
// reaches it (Kernels/Gemm.Panels.cs), so that no pass of its own reads the whole block back:
//
//   net sums   before a panel's first depth block: its rows of Z = 1 bᵀ (the product adds X Wᵀ
//              onto them, beta 1); after its last: Y = f(Z) on the panel           (1), (2)
//   dX         after a panel's last depth block: dZ_below = dX ⊙ f'(Z_below), the layer
//              below's (7), on the panel                                          (7)
//
// Bits: the bias rows are copied as before, only later; f and f' are element-wise (DerivativeSplits:
// a built-in function, any block of elements gives the same bits as the whole), so a panel at
// a time gives the bits of one pass over the block.
// ---------------------------------------------------------------------------------------------

public sealed partial class Dense
{
    // (1) Z = X Wᵀ + 1 bᵀ on a block of rows x units, and (2) Y = f(Z) on each panel as the product finishes it when
    // activate (an element-wise built-in function only: DerivativeSplits). A block of the product gets the whole
    // product's bits (Gemm.MultiplyBlock: k is never cut).
    private void NetSumBlock(in LayerPass pass, (int First, int End) rows, (int First, int End) units, bool activate)
    {
        int inputs = pass.Input.Length / pass.Rows;
        if (units.First >= units.End || rows.First >= rows.End) return;
        int at = rows.First * Width + units.First;
        var panels = new NetSumPanels(Biases(pass.Parameters)[units.First..], pass.State[at..], activate ? pass.Output[at..] : default,
            Width, activate ? Transfer : null);
        Gemm.MultiplyBlock(GemmForm.NT, pass.Rows, Width, inputs, rows, units, 1f, pass.Input, inputs, Weights(pass.Parameters), inputs, 1f,
            pass.State, Width, ref panels);
    }

    // The bias rows and f of NetSumBlock, on spans that start at the block's first element (the panels' coordinates).
    private readonly ref struct NetSumPanels(ReadOnlySpan<float> biases, Span<float> z, Span<float> y, int width, TransferFunction? transfer)
        : Gemm.IPanelWork
    {
        private readonly ReadOnlySpan<float> biases = biases;
        private readonly Span<float> z = z, y = y;

        public void Prepare(int row, int rows, int column, int columns)
        {
            ReadOnlySpan<float> b = biases.Slice(column, columns);
            for (int p = row; p < row + rows; p++) b.CopyTo(z.Slice((p * width) + column, columns));
        }

        public void Finish(int row, int rows, int column, int columns)
        {
            if (transfer is null) return;
            (int runs, int length) = Runs(rows, columns, width);
            for (int r = 0; r < runs; r++)
            {
                int start = ((row + r) * width) + column;
                transfer.Activate(z.Slice(start, length), y.Slice(start, length));
            }
        }
    }

    // dX = dZ W (from the weights before any update) on a block of rows x inputs, and the layer below's f' on each panel
    // as the product finishes it (LayerPass.InputTransfer; nothing when it is null): BackwardBatch's cuts by columns and
    // by rows, and the row schedule's dX chain.
    private void InputGradientBlock(in LayerPass pass, int inputs, (int First, int End) rows, (int First, int End) columns)
    {
        if (rows.First >= rows.End || columns.First >= columns.End) return;
        int at = rows.First * inputs + columns.First;
        var panels = pass.InputTransfer is null
            ? default
            : new DerivativePanels(pass.InputTransfer, pass.InputNet[at..], pass.Input[at..], pass.InputGradient[at..], inputs);
        Gemm.MultiplyBlock(GemmForm.NN, pass.Rows, inputs, Width, rows, columns, 1f, pass.OutputGradient, Width, Weights(pass.Parameters), inputs, 0f,
            pass.InputGradient, inputs, ref panels);
    }

    // The layer below's f' on dX, on spans that start at the block's first element (the panels' coordinates); a default
    // instance does nothing.
    private readonly ref struct DerivativePanels(TransferFunction transfer, ReadOnlySpan<float> net, ReadOnlySpan<float> y, Span<float> dx, int width)
        : Gemm.IPanelWork
    {
        private readonly ReadOnlySpan<float> net = net, y = y;
        private readonly Span<float> dx = dx;

        public void Prepare(int row, int rows, int column, int columns)
        {
        }

        public void Finish(int row, int rows, int column, int columns)
        {
            if (transfer is null) return;
            (int runs, int length) = Runs(rows, columns, width);
            for (int r = 0; r < runs; r++)
            {
                int start = ((row + r) * width) + column;
                transfer.MultiplyByDerivative(net.Slice(start, length), y.Slice(start, length), dx.Slice(start, length));
            }
        }
    }

    // A panel of rows x columns in a block of row stride width, as contiguous runs: one run when the panel spans whole rows
    // (then its column is 0), else one run per row.
    private static (int Runs, int Length) Runs(int rows, int columns, int width) => columns == width ? (1, rows * width) : (rows, columns);
}
