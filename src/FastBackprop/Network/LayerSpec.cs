namespace FastBackprop;

/// <summary>One fully connected layer: how many units it has and their transfer function.</summary>
public readonly record struct LayerSpec
{
    /// <summary>Creates a layer description.</summary>
    /// <param name="width">Number of units; at least 1.</param>
    /// <param name="transfer">Transfer function of every unit in the layer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="transfer"/> is null.</exception>
    public LayerSpec(int width, TransferFunction transfer)
    {
        ThrowHelper.CheckAtLeast(width, 1, nameof(width));
        ArgumentNullException.ThrowIfNull(transfer);
        Width = width;
        Transfer = transfer;
    }

    /// <summary>Number of units.</summary>
    public int Width { get; }

    /// <summary>Transfer function of the units.</summary>
    public TransferFunction Transfer { get; }
}
