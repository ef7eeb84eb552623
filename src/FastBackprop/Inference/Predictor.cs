using System.Globalization;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Predictor: inference that is safe by construction. It owns a private copy of the network that
// nothing trains, so it is immutable from outside, and every call borrows this thread's scratch
// (InferenceScratch: a workspace and a scaled-input row, per thread and network shape), so calls
// from any number of threads share nothing writable. A row goes through PredictRow, which
// Model.Predict runs too (input scaling, the per-pattern forward pass, inverse target scaling), so
// the bits are the same as Network.Predict / Model.Predict on the network it was made from.
// ---------------------------------------------------------------------------------------------

/// <summary>An immutable snapshot of a trained network, with the model's input and target scaling, that any
/// number of threads may call at once without passing workspaces.</summary>
/// <remarks>
/// <para>The parameters are copied when the predictor is made: training the network afterwards does not change
/// it (make a new predictor to serve the new weights). Make it when no thread is training the network.</para>
/// <para>Each call's buffers come from a per-thread cache keyed by the network's shape (its
/// <see cref="NetworkDefinition"/>): after a thread's first call, calls allocate nothing. A thread keeps up to four
/// such scratch sets (one per shape it used last; each 3 x the network's units plus InputWidth floats) until it ends;
/// they hold no parameters, so a predictor no one references is collected as usual, and there is nothing to dispose.</para>
/// <para>Outputs are bit-identical to <see cref="Network.Predict(ReadOnlySpan{float}, Span{float}, Workspace)"/> (from a
/// network) or <see cref="Model.Predict"/> (from a model) on the same weights, on any thread.</para>
/// </remarks>
public sealed class Predictor
{
    private readonly Network network;   // a private copy no one trains: the snapshot

    /// <summary>A snapshot of <paramref name="network"/>'s definition and parameters; rows are taken as the network
    /// takes them (no scaling).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    public Predictor(Network network)
        : this(Snapshot(network), scaling: null, targetScaling: null)
    {
    }

    /// <summary>A snapshot of <paramref name="model"/>: its network's parameters, its <see cref="Model.Scaling"/>
    /// (applied to each raw input row) and its <see cref="Model.TargetScaling"/> (inverted on each output row), as
    /// <see cref="Model.Predict"/> does.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public Predictor(Model model)
        : this(Snapshot(NotNull(model).Network), model.Scaling, model.TargetScaling)
    {
    }

    // The scalings are immutable (readonly arrays, no setters), so they are shared, not copied.
    private Predictor(Network copy, InputScaling? scaling, TargetScaling? targetScaling)
    {
        network = copy;
        Scaling = scaling;
        TargetScaling = targetScaling;
    }

    /// <summary>The network's shape.</summary>
    public NetworkDefinition Definition => network.Definition;

    /// <summary>Values per input row.</summary>
    public int InputWidth => network.Definition.InputWidth;

    /// <summary>Values per output row.</summary>
    public int OutputWidth => network.Definition.OutputWidth;

    /// <summary>The scaling applied to each raw input row, or null.</summary>
    public InputScaling? Scaling { get; }

    /// <summary>The target standardisation inverted on each output row, or null.</summary>
    public TargetScaling? TargetScaling { get; }

    /// <summary>The outputs for one raw input row: <see cref="Scaling"/> applied, the forward pass (dropout layers
    /// pass their input through), <see cref="TargetScaling"/> inverted. Thread-safe; allocates nothing once this
    /// thread has called a predictor of this shape.</summary>
    /// <param name="input">InputWidth values, finite.</param>
    /// <param name="output">Destination, OutputWidth values.</param>
    /// <exception cref="ArgumentException">A length is wrong, the input holds NaN or infinity, or it drives a layer's
    /// outputs to infinity (as <see cref="Network.Predict(ReadOnlySpan{float}, Span{float}, Workspace)"/>).</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite (the network had diverged).</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        ThrowHelper.CheckLength(input.Length, InputWidth, nameof(input));
        InferenceScratch scratch = InferenceScratch.Rent(network.Definition);
        PredictRow(network, Scaling, TargetScaling, input, output, scratch);
        InferenceScratch.Return(scratch);   // not on an exception: that thread's next call makes a new scratch
    }

    /// <summary>The outputs for a batch of raw input rows: row p of <paramref name="outputs"/> is bit for bit what
    /// <see cref="Predict"/> gives for row p of <paramref name="inputs"/>. It runs the per-pattern forward pass row by
    /// row, not the batch matrix products of <see cref="Network.PredictBatch"/>, whose summation order differs (its
    /// outputs may differ from Predict's in the last bits); what it saves is the per-call overhead.</summary>
    /// <param name="inputs">B rows of InputWidth values (row-major), finite; B = inputs.Length / InputWidth, at least 1.</param>
    /// <param name="outputs">Destination, B rows of OutputWidth values.</param>
    /// <exception cref="ArgumentException">A length is not a whole number of rows or does not match, or a row holds
    /// NaN or infinity or drives a layer's outputs to infinity (the message names the row; rows before it are written).</exception>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite.</exception>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int rows = CheckRows(inputs);
        ThrowHelper.CheckLength(outputs.Length, rows * OutputWidth, nameof(outputs));
        InferenceScratch scratch = InferenceScratch.Rent(network.Definition);
        int row = 0;
        try
        {
            for (; row < rows; row++)
            {
                PredictRow(network, Scaling, TargetScaling, inputs.Slice(row * InputWidth, InputWidth), outputs.Slice(row * OutputWidth, OutputWidth), scratch);
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"inputs row {row}: {e.Message}", nameof(inputs), e);
        }
        InferenceScratch.Return(scratch);
    }

    /// <summary>One raw row through a model's steps, in <paramref name="scratch"/>: <paramref name="scaling"/> applied,
    /// the forward pass, <paramref name="targetScaling"/> inverted. Model.Predict and the predictor both run it, so they
    /// give the same bits by construction.</summary>
    internal static void PredictRow(Network network, InputScaling? scaling, TargetScaling? targetScaling,
        ReadOnlySpan<float> input, Span<float> output, InferenceScratch scratch)
    {
        if (scaling is not null)
        {
            scaling.Apply(input, scratch.ScaledInput);
            input = scratch.ScaledInput;
        }
        network.Predict(input, output, scratch.Workspace);
        targetScaling?.InvertInPlace(output);
    }

    // A positive whole number of rows, each finite (named by row and column); returns the row count.
    private int CheckRows(ReadOnlySpan<float> inputs)
    {
        int width = InputWidth;
        if (inputs.Length == 0 || inputs.Length % width != 0)
        {
            throw new ArgumentException($"inputs has length {inputs.Length}; expected a positive multiple of the input width {width}.", nameof(inputs));
        }
        if (Finiteness.All(inputs)) return inputs.Length / width;
        int i = 0;
        while (float.IsFinite(inputs[i])) i++;
        throw new ArgumentException($"inputs row {i / width}, column {i % width} is {inputs[i].ToString(CultureInfo.InvariantCulture)}; expected finite values.", nameof(inputs));
    }

    private static Model NotNull(Model? model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model;
    }

    private static Network Snapshot(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var copy = new Network(network.Definition);
        network.Parameters.CopyTo(copy.Parameters);
        return copy;
    }
}
