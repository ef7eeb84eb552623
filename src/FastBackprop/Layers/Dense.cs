namespace FastBackprop;

/// <summary>A fully connected layer: <c>net_k = Σ_j w_kj y_j + b_k</c> and <c>y_k = f(net_k)</c> for each of its
/// <see cref="Width"/> units (derivation (1) and (2)). Its parameters are a Width x Inputs row-major weight block
/// (row k = unit k's incoming weights) followed by Width biases.</summary>
public sealed class Dense : Layer
{
    /// <summary>Creates a layer description.</summary>
    /// <param name="width">Number of units; at least 1.</param>
    /// <param name="transfer">Transfer function of every unit in the layer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 1.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="transfer"/> is null.</exception>
    public Dense(int width, TransferFunction transfer)
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

    /// <summary>E.g. "dense(128, relu)".</summary>
    public override string ToString() => $"dense({Width}, {Transfer.Name})";

    /// <summary>Equal when the widths and the transfer functions are equal.</summary>
    public override bool Equals(object? obj) => obj is Dense other && other.Width == Width && other.Transfer.Equals(Transfer);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Width, Transfer);

    internal override long CountParameters(int inputs) => (long)Width * inputs + Width;

    internal override LayerLayout Place(int inputs, int offset) => new(inputs, Width, offset);
}
