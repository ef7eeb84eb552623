using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FastBackprop.Kernels;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Argument checks of the public methods, and the diagnosis behind a non-finite result: the first
// parameter that is NaN or infinite (the network diverged), or else the first layer whose outputs
// overflowed (an input far outside what the network was trained on).
// ---------------------------------------------------------------------------------------------

public sealed partial class Network
{
    /// <summary>The opt-in check of the training contract: throws if any parameter is NaN or infinite, naming the
    /// first one. A scan of the whole buffer; the training calls themselves only check each step's E.</summary>
    /// <exception cref="InvalidOperationException">A parameter is NaN or infinite.</exception>
    public void ThrowIfNotFinite()
    {
        if (!Finiteness.All(parameters.Span)) ThrowParametersNotFinite();
    }

    private void CheckPattern(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Workspace ws)
    {
        CheckWorkspace(ws);
        CheckInput(input);
        ThrowHelper.CheckLength(target.Length, Definition.OutputWidth, nameof(target));
        ThrowHelper.CheckFinite(target, nameof(target));
    }

    private void CheckInput(ReadOnlySpan<float> input)
    {
        ThrowHelper.CheckLength(input.Length, Definition.InputWidth, nameof(input));
        ThrowHelper.CheckFinite(input, nameof(input));
    }

    // A positive whole number of input rows, all finite; returns the row count.
    private int CheckRows(ReadOnlySpan<float> inputs)
    {
        int width = Definition.InputWidth;
        if (inputs.Length == 0 || inputs.Length % width != 0)
        {
            throw new ArgumentException($"inputs has length {inputs.Length}; expected a positive multiple of the input width {width}.", nameof(inputs));
        }
        ThrowHelper.CheckFinite(inputs, nameof(inputs));
        return inputs.Length / width;
    }

    private void CheckWorkspace(Workspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws, "workspace");
        if (!Definition.Equals(ws.Definition)) ThrowWrongWorkspace(ws.Definition, "CreateWorkspace()");
    }

    [DoesNotReturn]
    private void ThrowWrongWorkspace(NetworkDefinition other, string factory) =>
        throw new ArgumentException($"workspace was made for a {other} network; this network is {Definition}: use one made by its {factory}.", "workspace");

    // Outputs were not finite: the parameters, or else the first layer that overflowed.
    [DoesNotReturn]
    private void ThrowNotFinite(Workspace ws, string inputName)
    {
        if (!Finiteness.All(parameters.Span)) ThrowParametersNotFinite();
        int l = 0;
        while (l < Definition.LayerCount - 1 && Finiteness.All(ws.Output(l))) l++;
        ThrowOverflow(l, inputName);
    }

    [DoesNotReturn]
    private void ThrowOverflow(int layer, string inputName) =>
        throw new ArgumentException($"{inputName} drives the outputs of layer {layer} ({Definition.Layers[layer]}) to infinity or NaN: " +
            "the values are far outside the range the network works in (scale the input as the training data was).", inputName);

    [DoesNotReturn]
    private void ThrowParametersNotFinite()
    {
        int i = 0;
        while (float.IsFinite(parameters.Span[i])) i++;
        int l = 0;
        while (Definition.GetLayout(l).End <= i) l++;
        LayerLayout layout = Definition.GetLayout(l);
        string where = i < layout.BiasOffset ? $"weight {i - layout.WeightOffset}" : $"bias {i - layout.BiasOffset}";
        throw new InvalidOperationException($"parameter {i} ({where} of layer {l}, {Definition.Layers[l]}) is {parameters.Span[i].ToString(CultureInfo.InvariantCulture)}: " +
            "the network's parameters are not finite (training diverged); restore finite weights, e.g. from a checkpoint.");
    }
}
