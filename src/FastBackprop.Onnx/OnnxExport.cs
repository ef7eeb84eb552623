using System.Globalization;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Onnx.Schema;
using Google.Protobuf;

namespace FastBackprop.Onnx;

// ---------------------------------------------------------------------------------------------
// OnnxExport: a Model as an ONNX model that computes what Model.Predict computes, from the same raw
// input rows:
//
//   input [batch, InputWidth] -> Sub(input_offset) -> Mul(input_scale)              (Model.Scaling)
//   per layer l:  dense     -> Gemm(layer{l}_weight, layer{l}_bias, transB = 1) -> transfer nodes
//                 dropout   -> nothing (inference is the identity)
//   -> Mul(target_std) -> Add(target_mean) -> output [batch, OutputWidth]          (Model.TargetScaling)
//
// Each scaling is written in the core's own order of float operations (InputScaling.Apply subtracts,
// then multiplies; TargetScaling.InvertInPlace multiplies, then adds), so those steps give the same bits
// in any IEEE runtime. The weight block of a dense layer is Units x Inputs row-major (row k = unit k's
// incoming weights), which is Gemm's B transposed: Y = X Bᵀ + C with transB = 1, no copy.
// ---------------------------------------------------------------------------------------------

/// <summary>Exports a trained <see cref="Model"/> to ONNX: a file that ONNX Runtime (or any ONNX consumer) runs to
/// get the outputs <see cref="Model.Predict"/> gives, from the same raw input rows.</summary>
/// <remarks>
/// <para>The graph has one input, <c>"input"</c>, float32 of shape [batch, InputWidth] (batch a symbolic
/// dimension named <c>"batch"</c>), and one output, <c>"output"</c>, float32 of shape [batch, OutputWidth]. It
/// applies the model's input scaling (<c>(x - offset) * scale</c>, as Sub then Mul), each dense layer as a Gemm
/// with its weights and biases as initializers <c>layer{l}_weight</c> ([units, inputs], transB = 1) and
/// <c>layer{l}_bias</c> ([units]), l being the layer's index in <see cref="NetworkDefinition.Layers"/>, then its
/// transfer function as ONNX operators, and last the inverse of the model's target scaling (<c>y * std + mean</c>,
/// as Mul then Add). Dropout layers are the identity at inference and write no node. The initializers hold the
/// network's floats bit for bit.</para>
/// <para>Transfer functions: logistic → Sigmoid, tanh → Tanh, relu → Relu, leaky-relu(s) → LeakyRelu(alpha = s),
/// elu(α) → Elu(alpha = α), selu → Selu (PyTorch's alpha and gamma), softplus → Where(x &gt; 20, x, Softplus(x))
/// (linear above 20, as FastBackprop and PyTorch), softsign and elliott → Softsign, hard-tanh → Clip(-1, 1),
/// silu → x · Sigmoid(x), gaussian → Exp(-(x · x)), sin → Sin, exp → Exp, gelu → x/2 · (1 + Erf(x/√2)),
/// gelu-tanh → x/2 · (1 + Tanh(√(2/π) x (1 + 0.044715 x²))), softmax → Softmax(axis = 1), identity → no node.
/// A user-defined (registered or not) transfer function has no ONNX form and is refused.</para>
/// <para>The model's <see cref="Model.Metadata"/> becomes the ONNX model's metadata_props (sorted by key);
/// producer_name is "FastBackprop", producer_version the FastBackprop library's version, doc_string the network's
/// description. The output is deterministic: the same model gives the same bytes.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the exported models import (default domain): 17.</summary>
    /// <remarks>Chosen as the lowest opset in which every operator the exporter writes has its current definition
    /// (Softmax-13's per-axis softmax, Clip-13's min and max inputs, Where-16, LeakyRelu-16), and no higher, so that
    /// the models run on the runtimes deployed since 2022 (ONNX 1.12 introduced opset 17) and not only on the newest;
    /// PyTorch's TorchScript exporter picks its default the same way ("the latest opset as of 18 months ago") and
    /// wrote 17 by default in PyTorch 2.x. The one later operator that would apply, Gelu (opset 20), is written as
    /// its exact decomposition with Erf or Tanh instead, which is also the float formula FastBackprop computes.</remarks>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written: 8, the IR version of the ONNX release that defined opset 17 (1.12).</summary>
    internal const long IrVersion = 8;

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="path"/>, atomically (as
    /// <see cref="ModelFile.Save"/> does): the file is either the complete new model or, if anything fails, left as it was.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="path">The file to write, usually with the extension .onnx.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or a weight or bias is not finite (the message
    /// names the layer).</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX form (a user-defined transfer function); the
    /// message names the layer index and the function.</exception>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    public static void Save(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto onnx = Build(model);   // before the file is touched: a model that cannot be exported changes nothing
        AtomicFile.Write(path, stream => onnx.WriteTo(stream));
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model (protobuf bytes) to <paramref name="stream"/>, at its
    /// current position; the stream is left open.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">A weight or bias is not finite (the message names the layer).</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX form (a user-defined transfer function); the
    /// message names the layer index and the function. Nothing is written then.</exception>
    public static void Write(Model model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Build(model).WriteTo(stream);
    }

    /// <summary>The ONNX model of <paramref name="model"/>, as protobuf messages.</summary>
    internal static ModelProto Build(Model model)
    {
        NetworkDefinition definition = model.Network.Definition;
        var graph = new GraphBuilder("FastBackprop", "input");
        if (model.Scaling is InputScaling scaling) AppendInputScaling(graph, scaling);
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is Dense dense) AppendDense(graph, model.Network, l, dense);
            else if (definition.Layers[l] is not Dropout) throw new NotSupportedException($"layer {l} ({definition.Layers[l]}) has no ONNX form.");
        }
        if (model.TargetScaling is TargetScaling target) AppendTargetScaling(graph, target);
        graph.NameCurrent("output");
        graph.Graph.Input.Add(FloatMatrix("input", definition.InputWidth));
        graph.Graph.Output.Add(FloatMatrix("output", definition.OutputWidth));
        graph.Graph.DocString = $"FastBackprop network {definition}";

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "FastBackprop",
            ProducerVersion = typeof(Network).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"FastBackprop network {definition}: raw input rows in, Model.Predict's outputs out.",
            Graph = graph.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        AddMetadata(onnx, model.Metadata);
        return onnx;
    }

    // x' = (x - offset) * scale, InputScaling.Apply's two passes (its constructor has checked the numbers are finite).
    private static void AppendInputScaling(GraphBuilder graph, InputScaling scaling)
    {
        graph.Apply("Sub", "input_subtract_offset", graph.AddInitializer("input_offset", scaling.Offset, scaling.Width));
        graph.Apply("Mul", "input_multiply_scale", graph.AddInitializer("input_scale", scaling.Scale, scaling.Width));
    }

    // net = x Wᵀ + b, then y = f(net).
    private static void AppendDense(GraphBuilder graph, Network network, int layer, Dense dense)
    {
        LayerLayout layout = network.Definition.GetLayout(layer);
        ReadOnlySpan<float> weights = network.GetWeights(layer), biases = network.GetBiases(layer);
        CheckFinite(weights, $"layer {layer} ({dense}) weight");
        CheckFinite(biases, $"layer {layer} ({dense}) bias");
        string w = graph.AddInitializer($"layer{layer}_weight", weights, layout.Units, layout.Inputs);
        string b = graph.AddInitializer($"layer{layer}_bias", biases, layout.Units);
        GraphBuilder.SetAttribute(graph.Apply("Gemm", $"layer{layer}_gemm", w, b), "transB", 1L);
        TransferOperators.Append(graph, dense.Transfer, layer, dense);
    }

    // y = y' * std + mean, TargetScaling.InvertInPlace's two passes.
    private static void AppendTargetScaling(GraphBuilder graph, TargetScaling target)
    {
        graph.Apply("Mul", "target_multiply_std", graph.AddInitializer("target_std", target.StandardDeviation, target.Width));
        graph.Apply("Add", "target_add_mean", graph.AddInitializer("target_mean", target.Mean, target.Width));
    }

    // [batch, width] float32, batch symbolic.
    private static ValueInfoProto FloatMatrix(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static void AddMetadata(ModelProto onnx, IReadOnlyDictionary<string, string> metadata)
    {
        var keys = new string[metadata.Count];
        int i = 0;
        foreach (KeyValuePair<string, string> entry in metadata) keys[i++] = entry.Key;
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (string key in keys) onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = metadata[key] });
    }

    // A network that diverged exports as NaN without complaint in ONNX; refuse it here, naming where.
    private static void CheckFinite(ReadOnlySpan<float> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"{what} [{i.ToString(CultureInfo.InvariantCulture)}] is {values[i].ToString(CultureInfo.InvariantCulture)}; expected a finite number (the network diverged?).",
                    "model");
            }
        }
    }
}
