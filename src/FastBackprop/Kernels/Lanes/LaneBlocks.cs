namespace FastBackprop.Kernels.Lanes;

/// <summary>The lane-major blocks of one step shape (one pattern, or a batch of up to <see cref="Rows"/>): the gathered
/// inputs and targets, each layer's net sums, outputs and gradients, the row masks, the loss and finiteness per lane.
/// Element e of row p of a block w wide, lane i, is at [(p · w + e) · 16 + i] from the block's offset. Allocated once;
/// 64-byte aligned, so a lane block is one cache line.</summary>
internal sealed class LaneBlocks
{
    private const int Lanes = LaneSums.Stride;

    public LaneBlocks(NetworkDefinition definition, int rows)
    {
        Rows = rows;
        int layers = definition.LayerCount;
        Widths = new int[layers + 1];
        Widths[0] = definition.InputWidth;
        for (int l = 0; l < layers; l++) Widths[l + 1] = definition.GetLayout(l).Units;
        NetOffsets = new int[layers];
        OutputOffsets = new int[layers];
        GradientOffsets = new int[layers];
        int at = 0;
        InputOffset = Take(ref at, Widths[0]);
        TargetOffset = Take(ref at, Widths[layers]);
        for (int l = 0; l < layers; l++)
        {
            NetOffsets[l] = Take(ref at, Widths[l + 1]);
            OutputOffsets[l] = Take(ref at, Widths[l + 1]);
            GradientOffsets[l] = Take(ref at, Widths[l + 1]);
        }
        MaskOffset = Take(ref at, 1);
        Buffer = new AlignedBuffer(at);
        Scratch = new AlignedBuffer(Lanes * Lanes);
        Loss = new float[Lanes];
        Finite = new float[Lanes];
        Scale = new float[Lanes];
        Keep = new float[Lanes];
    }

    /// <summary>Rows per step at most.</summary>
    public int Rows { get; }

    /// <summary>Widths[0] = inputs, Widths[l + 1] = layer l's units.</summary>
    public int[] Widths { get; }

    public AlignedBuffer Buffer { get; }

    /// <summary>16 registers' worth of canonical accumulators.</summary>
    public AlignedBuffer Scratch { get; }

    public int InputOffset { get; }

    public int TargetOffset { get; }

    public int[] NetOffsets { get; }

    public int[] OutputOffsets { get; }

    public int[] GradientOffsets { get; }

    /// <summary>One register per row: positive in the lanes for which the row is one of their batch.</summary>
    public int MaskOffset { get; }

    /// <summary>Per lane: E of the pattern, or Σ_p E_p of the batch (before the mean's rounding), after Forward and Loss.</summary>
    public float[] Loss { get; }

    /// <summary>Per lane: NaN when a parameter is not finite (Σ w · 0), after Finiteness.</summary>
    public float[] Finite { get; }

    /// <summary>Per lane: the update's scale (-rate, or -rate / rows for a batch).</summary>
    public float[] Scale { get; }

    /// <summary>Per lane: positive where a batch's weight product updates W (Gemm skips it when its alpha is 0).</summary>
    public float[] Keep { get; }

    /// <summary>Lane <paramref name="lane"/>'s outputs of row <paramref name="row"/> (layer <paramref name="layer"/>), one per unit.</summary>
    public float Output(int layer, int row, int unit, int lane) =>
        Buffer.Span[OutputOffsets[layer] + ((row * Widths[layer + 1]) + unit) * Lanes + lane];

    private int Take(ref int at, int width)
    {
        int start = at;
        at += Rows * width * Lanes;
        return start;
    }
}
