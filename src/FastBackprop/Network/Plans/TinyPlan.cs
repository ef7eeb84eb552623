using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Operators;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The tiny-network plan: every width below one Vector512 and every layer dense with a built-in
// transfer function (the derivation's 2-4-3-2). A step is all call overhead at these sizes, so
// the shape is read once into offset tables, the passes run on refs into the flat buffers
// (llm.c style), each layer through SmallDense's inlined scalar loops, and each transfer function
// through its operator's scalar form, picked by a switch whose jump target repeats every step.
// When every layer is logistic and every width at most 4 (the derivation's own network), training
// steps run fused passes instead (SmallDense.LogisticLayer, LogisticBackwardUpdate): sums, σ,
// derivative, deltas and backward sums stay in registers, and each layer's σ reaches the next
// layer in one, where the step's serial chain went through memory at every layer (store-to-load
// hops, one vector load of four scalar stores that could not be forwarded). Their own loops, so
// the general loops' code stays as it was.
// ---------------------------------------------------------------------------------------------

/// <summary>Whole passes of a tiny network in scalar code over the flat buffers.</summary>
internal sealed class TinyPlan : PatternPlan
{
    private readonly int[] widths;          // widths[0] = input, widths[l + 1] = layer l
    private readonly int[] weightOffsets;
    private readonly ScalarForm[] forms;
    private readonly float[] slopes;
    private readonly bool netGradientGiven;
    private readonly bool halfSquaredError;   // the inlined SmallDense.HalfSquaredError; every other loss through OutputLoss
    private readonly bool fusedLogistic;    // every layer logistic, every width <= 4, half squared error or another ∂E/∂y loss

    private TinyPlan(NetworkDefinition definition)
        : base(definition)
    {
        int layers = definition.LayerCount;
        widths = new int[layers + 1];
        weightOffsets = new int[layers];
        forms = new ScalarForm[layers];
        slopes = new float[layers];
        widths[0] = definition.InputWidth;
        for (int l = 0; l < layers; l++)
        {
            var dense = (Dense)definition.Layers[l];
            widths[l + 1] = dense.Width;
            weightOffsets[l] = definition.GetLayout(l).WeightOffset;
            forms[l] = dense.Transfer.Form;
            slopes[l] = dense.Transfer.NegativeSlope;
        }
        netGradientGiven = OutputLoss.GivesNetGradient(definition);
        halfSquaredError = definition.Loss == Loss.HalfSquaredError;
        fusedLogistic = !netGradientGiven && Array.TrueForAll(forms, form => form == ScalarForm.Logistic) && Array.TrueForAll(widths, width => width <= 4);
    }

    /// <summary>The plan, if <paramref name="definition"/> is tiny: every width below 16 and every layer dense
    /// with a built-in transfer function; null otherwise.</summary>
    public static TinyPlan? For(NetworkDefinition definition)
    {
        if (definition.MaxWidth >= 16) return null;
        foreach (Layer layer in definition.Layers)
        {
            if (layer is not Dense { Transfer.Form: not ScalarForm.Custom }) return null;
        }
        return new TinyPlan(definition);
    }

    public override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, SeededRandom? random)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float nets = ref MemoryMarshal.GetArrayDataReference(ws.AllStates);
        ref float outputs = ref MemoryMarshal.GetArrayDataReference(ws.AllOutputs);
        ReadOnlySpan<int> at = ws.Offsets;
        ref float x = ref MemoryMarshal.GetReference(input);
        if (fusedLogistic && Vector128.IsHardwareAccelerated)
        {
            ForwardLogistic(ref p, ref x, ref nets, ref outputs, at);
            return;
        }
        for (int l = 0; l < forms.Length; l++)
        {
            int units = widths[l + 1];
            ref float net = ref Unsafe.Add(ref nets, at[l]);
            ref float y = ref Unsafe.Add(ref outputs, at[l]);
            SmallDense.NetSums(ref Unsafe.Add(ref p, weightOffsets[l]), ref x, ref net, units, widths[l]);   // (1)
            Activate(forms[l], slopes[l], ref net, ref y, units);                                             // (2)
            x = ref y;
        }
    }

    public override float OutputError(ReadOnlySpan<float> target, Workspace ws)
    {
        if (!halfSquaredError) return base.OutputError(target, ws);
        int last = forms.Length, start = ws.Offsets[last - 1];
        return SmallDense.HalfSquaredError(ref ws.AllOutputs[start], ref MemoryMarshal.GetReference(target), ref ws.AllGradients[start], widths[last]);
    }

    public override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Workspace ws, in ParameterUpdate update)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float target = ref MemoryMarshal.GetReference(update.Target);
        ref float nets = ref MemoryMarshal.GetArrayDataReference(ws.AllStates);
        ref float outputs = ref MemoryMarshal.GetArrayDataReference(ws.AllOutputs);
        ref float gradients = ref MemoryMarshal.GetArrayDataReference(ws.AllGradients);
        ReadOnlySpan<int> at = ws.Offsets;
        if (fusedLogistic && update.InPlace)
        {
            BackwardLogistic(ref target, ref outputs, ref gradients, ref MemoryMarshal.GetReference(input), update.Scale, at);
            return;
        }
        for (int l = forms.Length - 1; l >= 0; l--)
        {
            int inputs = widths[l], units = widths[l + 1];
            ref float delta = ref Unsafe.Add(ref gradients, at[l]);
            if (l < forms.Length - 1 || !netGradientGiven)
            {
                MultiplyByDerivative(forms[l], slopes[l], ref Unsafe.Add(ref nets, at[l]), ref Unsafe.Add(ref outputs, at[l]), ref delta, units);   // (7), (9)-(12)
            }
            bool propagate = l > 0;   // the input has no gradient slot
            ref float x = ref propagate ? ref Unsafe.Add(ref outputs, at[l - 1]) : ref MemoryMarshal.GetReference(input);
            ref float s = ref propagate ? ref Unsafe.Add(ref gradients, at[l - 1]) : ref Unsafe.NullRef<float>();
            ref float w = ref Unsafe.Add(ref p, weightOffsets[l]);
            if (!update.InPlace) SmallDense.Gradient(ref w, ref delta, ref x, update.Scale, ref Unsafe.Add(ref target, weightOffsets[l]), ref s, propagate, units, inputs);
            else if (propagate) SmallDense.BackwardUpdate(ref Unsafe.Add(ref target, weightOffsets[l]), ref delta, ref x, update.Scale, ref s, units, inputs);
            else SmallDense.Update(ref Unsafe.Add(ref target, weightOffsets[l]), ref delta, ref x, update.Scale, units, inputs);
        }
    }

    public override float TrainStep(Span<float> parameters, ReadOnlySpan<float> input, ReadOnlySpan<float> target, float learningRate, Workspace ws)
    {
        Forward(parameters, input, ws, ws.Random);
        float error = OutputError(target, ws);
        if (float.IsFinite(error)) Backward(parameters, input, ws, new ParameterUpdate(parameters, -learningRate, inPlace: true));
        return error;
    }

    public override float TrainOnline(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, float learningRate, Workspace ws)
    {
        int width = widths[0], outputs = widths[^1], count = inputs.Length / width;
        float error = 0f;
        for (int t = 0; t < count; t++)
        {
            float e = TrainStep(parameters, inputs.Slice(t * width, width), targets.Slice(t * outputs, outputs), learningRate, ws);
            error += e;
            if (!float.IsFinite(e)) break;
        }
        return error;
    }

    // Forward for fusedLogistic: per layer, the sums into one Vector128 and σ on it, in registers, passed on to the next
    // layer's sums (the outputs are stored for the backward pass, off that chain). Out of line (as
    // BackwardLogistic), so that Forward and Backward stay small enough for TrainStep to inline them on other shapes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ForwardLogistic(ref float p, ref float x, ref float nets, ref float outputs, ReadOnlySpan<int> at)
    {
        Vector128<float> input = ElementwiseDriver.LoadSmall(ref x, widths[0]);
        for (int l = 0; l < forms.Length; l++)
        {
            input = SmallDense.LogisticLayer(ref Unsafe.Add(ref p, weightOffsets[l]), input, ref Unsafe.Add(ref nets, at[l]), ref Unsafe.Add(ref outputs, at[l]), widths[l + 1], widths[l]);   // (1), (2)
        }
    }

    // The in-place Backward for fusedLogistic: per layer, (7), (9)-(12) and the update in one pass, deltas and sums in registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BackwardLogistic(ref float target, ref float outputs, ref float gradients, ref float input, float scale, ReadOnlySpan<int> at)
    {
        for (int l = forms.Length - 1; l >= 0; l--)
        {
            bool propagate = l > 0;   // the input has no gradient slot
            ref float x = ref propagate ? ref Unsafe.Add(ref outputs, at[l - 1]) : ref input;
            ref float s = ref propagate ? ref Unsafe.Add(ref gradients, at[l - 1]) : ref Unsafe.NullRef<float>();
            SmallDense.LogisticBackwardUpdate(ref Unsafe.Add(ref target, weightOffsets[l]), ref Unsafe.Add(ref gradients, at[l]), ref Unsafe.Add(ref outputs, at[l]),
                ref x, scale, ref s, propagate, widths[l + 1], widths[l]);
        }
    }

    // y = f(net) for one layer, through each function's operator (the same arithmetic, and so the same bits,
    // as the span kernels at every tier). A call of its own, as the layer loop's: inlined, every case's code
    // (logistic's and tanh's kernels are long) sits in the loop body, which measured slower (W1).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Activate(ScalarForm form, float slope, ref float net, ref float y, int units)
    {
        switch (form)
        {
            case ScalarForm.Logistic: ElementwiseDriver.MapSmall(default(LogisticOperator), ref net, ref y, units); return;
            case ScalarForm.Tanh: ElementwiseDriver.MapSmall(default(TanhOperator), ref net, ref y, units); return;
            case ScalarForm.Rectifier when slope == 0f: ElementwiseDriver.MapScalar(default(ReluOperator), ref net, ref y, units); return;
            case ScalarForm.Rectifier: ElementwiseDriver.MapScalar(new LeakyReluOperator(slope), ref net, ref y, units); return;
            case ScalarForm.Softmax: Activation.SoftmaxCore<SimdScalar, float>(ref net, ref y, units); return;
            default:
                for (int k = 0; k < units; k++) Unsafe.Add(ref y, k) = Unsafe.Add(ref net, k);   // identity
                return;
        }
    }

    // delta ⊙= f'(net) for one layer (softmax: the Jacobian product y ⊙ (delta - delta·y)).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MultiplyByDerivative(ScalarForm form, float slope, ref float net, ref float y, ref float delta, int units)
    {
        switch (form)
        {
            case ScalarForm.Logistic: ElementwiseDriver.UpdateDeltaScalar(default(ActivationDerivative.LogisticDerivativeOperator), ref net, ref y, ref delta, units); return;
            case ScalarForm.Tanh: ElementwiseDriver.UpdateDeltaScalar(default(ActivationDerivative.TanhDerivativeOperator), ref net, ref y, ref delta, units); return;
            case ScalarForm.Rectifier: ElementwiseDriver.UpdateDeltaScalar(new ActivationDerivative.RectifierDerivativeOperator(slope), ref net, ref y, ref delta, units); return;
            case ScalarForm.Softmax: Activation.SoftmaxBackwardCore<SimdScalar, float>(ref y, ref delta, units); return;
            default: return;   // identity: f' = 1
        }
    }
}
