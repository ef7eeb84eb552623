using FastBackprop.Data;

namespace FastBackprop.IO;

/// <summary>A trained model as stored in a model file: the network (shape and parameters), the
/// input scaling fitted on its training data, and free-form text metadata (e.g. a training
/// history summary).</summary>
public sealed class Model
{
    /// <summary>Bundles a network with its scaling and metadata.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="scaling"/>'s width differs from the network's input width.</exception>
    public Model(Network network, InputScaling? scaling = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (scaling is not null) ThrowHelper.CheckLength(scaling.Width, network.Definition.InputWidth, "scaling.Width");
        Network = network;
        Scaling = scaling;
        Metadata = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
    }

    /// <summary>The network.</summary>
    public Network Network { get; }

    /// <summary>The input scaling to apply before <see cref="Network.Predict(ReadOnlySpan{float}, Span{float})"/>, or null.</summary>
    public InputScaling? Scaling { get; }

    /// <summary>Text metadata stored with the model.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
