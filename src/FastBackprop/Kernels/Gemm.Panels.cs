namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Gemm panels: a caller's element-wise work on C, done panel by panel while the product runs
// (the bias rows before a layer's net sums, f after them, f' of the layer below after dX), so
// that each panel is written or read while it is in L2 instead of in a pass of its own over the
// whole of C.
//
// A panel is the MR rows of one micro-panel of A by the NC columns of one B block: the rows the
// driver's innermost loops finish together. At batch 1024 a layer's C (1024 x 256: 1 MiB) no
// longer fits the 1 MiB L2 beside the packed blocks, so a separate pass over it after the product
// reads it back from L3; a panel (8 x 256: 8 KiB) is still in L2 when the last microkernel of
// its row returns. Not in L1: the row's B micro-panels (up to 8 x 32 KiB) stream through L1
// after its first tiles are written (a finiteness check of each panel of new weights in Finish
// cost what a pass over all of them after the product does).
//
// Contract: for every panel of C the product touches, Prepare is called once before any depth
// block reads or writes it, and Finish once after the last depth block has written it; the
// panels tile C (each element is in exactly one). Coordinates are C's, as the Multiply call sees
// it. Prepare may write only the panel's elements of C (which the product then reads when beta
// is not 0); Finish may read them and write anything the product does not read. Neither changes
// a bit of the product, which gets the same operations as without panel work. The narrow path
// and products that read no A or B call Prepare for the whole of C before, Finish after.
// ---------------------------------------------------------------------------------------------

public static partial class Gemm
{
    /// <summary>Element-wise work on C's panels around the product (see the header's contract).</summary>
    internal interface IPanelWork
    {
        /// <summary>Before the product touches rows [row, row + rows) x columns [column, column + columns) of C.</summary>
        void Prepare(int row, int rows, int column, int columns);

        /// <summary>After the product has written the final values of that panel.</summary>
        void Finish(int row, int rows, int column, int columns);
    }

    /// <summary>No panel work: the plain product.</summary>
    private struct NoPanelWork : IPanelWork
    {
        public readonly void Prepare(int row, int rows, int column, int columns)
        {
        }

        public readonly void Finish(int row, int rows, int column, int columns)
        {
        }
    }
}
