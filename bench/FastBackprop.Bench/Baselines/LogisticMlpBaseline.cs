namespace FastBackprop.Bench.Baselines;

/// <summary>What the float baselines share: the widths, the parameters in <see cref="Network.Parameters"/>'
/// layout (per layer: Units x Inputs row-major weights, then Units biases, so the engine's initial weights
/// copy in bit for bit) and the per-layer outputs, deltas and backward sums. Each baseline writes its own
/// TrainStep over these fields; none of them is virtual, so the timed code reads them as its own.</summary>
public abstract class LogisticMlpBaseline
{
    private protected readonly int[] widths;          // widths[0] = input width, widths[l + 1] = units of layer l
    private protected readonly int[] weightOffsets;
    private protected readonly float[][] outputs;     // y of each layer
    private protected readonly float[][] deltas;      // delta of each layer
    private protected readonly float[] backSums;      // Σ_k delta_k w_kj, as wide as the widest layer input

    /// <summary>Allocates the buffers for the given widths: input first, output last.</summary>
    private protected LogisticMlpBaseline(int[] widths)
    {
        ArgumentNullException.ThrowIfNull(widths);
        this.widths = (int[])widths.Clone();
        int layers = widths.Length - 1;
        weightOffsets = new int[layers];
        outputs = new float[layers][];
        deltas = new float[layers][];
        int offset = 0, maxWidth = 0;
        for (int l = 0; l < layers; l++)
        {
            weightOffsets[l] = offset;
            offset += widths[l + 1] * widths[l] + widths[l + 1];
            outputs[l] = new float[widths[l + 1]];
            deltas[l] = new float[widths[l + 1]];
            maxWidth = Math.Max(maxWidth, widths[l]);
        }
        Parameters = new float[offset];
        backSums = new float[maxWidth];
    }

    /// <summary>Every weight and bias, in the layout of <see cref="Network.Parameters"/>.</summary>
    public float[] Parameters { get; }
}
