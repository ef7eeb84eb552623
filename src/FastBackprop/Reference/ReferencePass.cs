namespace FastBackprop.Reference;

/// <summary>Everything the reference computed for one pattern: per layer the net sums, outputs and
/// deltas, the gradient in the parameter layout, and the error E.</summary>
public sealed class ReferencePass
{
    internal ReferencePass(double[][] netSums, double[][] outputs, double[][] deltas, double[] gradient, double error)
    {
        NetSums = netSums;
        Outputs = outputs;
        Deltas = deltas;
        Gradient = gradient;
        Error = error;
    }

    /// <summary>net_k of each layer (index 0 = the first layer); a dropout layer's outputs.</summary>
    public IReadOnlyList<double[]> NetSums { get; }

    /// <summary>y_k = f(net_k) of each layer; the last is the network output.</summary>
    public IReadOnlyList<double[]> Outputs { get; }

    /// <summary>delta_k = ∂E/∂net_k of each dense layer; ∂E/∂y of each dropout layer.</summary>
    public IReadOnlyList<double[]> Deltas { get; }

    /// <summary>∂E/∂w for every parameter, in the layout of <see cref="NetworkDefinition.GetLayout"/>.</summary>
    public double[] Gradient { get; }

    /// <summary>The error E of the pattern.</summary>
    public double Error { get; }
}
