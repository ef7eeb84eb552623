using System.Runtime.InteropServices;
using FastBackprop.Onnx.Schema;
using Google.Protobuf;

namespace FastBackprop.Onnx;

// ---------------------------------------------------------------------------------------------
// GraphBuilder: a chain of ONNX nodes over one running value. Each Apply appends a node that reads
// the current value (and named initializers) and makes its output the new current value, so the
// exporter writes the forward pass in the order Model.Predict runs it. Initializers are float
// tensors in raw_data (little-endian IEEE 754, as TensorProto requires), bit for bit the network's
// own floats; scalar constants are shared by name. Every name is a C identifier, as the ONNX IR
// specification asks of names (PyTorch's dotted names are accepted by runtimes but not by the spec).
// ---------------------------------------------------------------------------------------------

/// <summary>Builds one ONNX graph as a chain of nodes from the graph input to the graph output.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto graph = new();
    private readonly HashSet<string> initializers = new(StringComparer.Ordinal);
    private readonly HashSet<string> nodeNames = new(StringComparer.Ordinal);

    /// <summary>Starts a graph whose current value is the graph input <paramref name="inputName"/>.</summary>
    public GraphBuilder(string name, string inputName)
    {
        graph.Name = name;
        Current = inputName;
    }

    /// <summary>The name of the value the next node reads.</summary>
    public string Current { get; private set; }

    /// <summary>The graph: nodes, initializers, and whatever inputs and outputs the caller added.</summary>
    public GraphProto Graph => graph;

    /// <summary>Adds float initializer <paramref name="name"/> with shape <paramref name="dims"/> (none: a scalar)
    /// holding <paramref name="values"/> bit for bit; returns its name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params ReadOnlySpan<long> dims)
    {
        if (!initializers.Add(name)) throw new InvalidOperationException($"initializer {name} is added twice.");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (long d in dims) tensor.Dims.Add(d);
        // raw_data is little-endian; MemoryMarshal reads the host's order, so a big-endian host would be wrong.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A scalar float initializer named <paramref name="name"/> (added once, then shared).</summary>
    public string Constant(string name, float value)
    {
        if (!initializers.Contains(name)) AddInitializer(name, [value]);
        return name;
    }

    /// <summary>Appends node <paramref name="opType"/> reading the current value then <paramref name="extraInputs"/>;
    /// its output, named after <paramref name="nodeName"/>, becomes the current value. Returns the node for attributes.</summary>
    public NodeProto Apply(string opType, string nodeName, params ReadOnlySpan<string> extraInputs)
    {
        NodeProto node = Node(opType, nodeName, Current);
        foreach (string input in extraInputs) node.Input.Add(input);
        Current = node.Output[0];
        return node;
    }

    /// <summary>Appends node <paramref name="opType"/> reading exactly <paramref name="inputs"/>; its output becomes
    /// the current value.</summary>
    public NodeProto Combine(string opType, string nodeName, params ReadOnlySpan<string> inputs)
    {
        NodeProto node = Node(opType, nodeName);
        foreach (string input in inputs) node.Input.Add(input);
        Current = node.Output[0];
        return node;
    }

    /// <summary>Renames the current value (the last node's output) to <paramref name="name"/>, the graph output.</summary>
    public void NameCurrent(string name)
    {
        if (graph.Node.Count == 0 || graph.Node[^1].Output[0] != Current)
        {
            throw new InvalidOperationException("the graph's last node does not make its current value.");
        }
        graph.Node[^1].Output[0] = name;
        Current = name;
    }

    private NodeProto Node(string opType, string nodeName, string? firstInput = null)
    {
        if (!nodeNames.Add(nodeName)) throw new InvalidOperationException($"node {nodeName} is added twice.");
        var node = new NodeProto { OpType = opType, Name = nodeName };
        if (firstInput is not null) node.Input.Add(firstInput);
        node.Output.Add(nodeName + "_out");   // unique because node names are
        graph.Node.Add(node);
        return node;
    }

    /// <summary>A float attribute.</summary>
    public static void SetAttribute(NodeProto node, string name, float value) =>
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>An integer attribute.</summary>
    public static void SetAttribute(NodeProto node, string name, long value) =>
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
}
