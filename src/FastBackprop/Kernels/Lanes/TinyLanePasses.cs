using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// TinyLanePasses: LaneEngine's one-pattern passes for networks whose every width is at most 4 and
// whose layers all run one element-wise function (logistic or tanh: the derivation's 2-4-3-2,
// XOR). In the general passes a layer's net sums, outputs, deltas and backward sums go through
// the lane blocks between kernels, and at these sizes the step is a chain of those store-to-load
// hops and the transfer function's serial arithmetic. Here a layer's up to four registers of
// values (one register per unit: a register's worth of networks) pass to the next layer in
// registers, forward and backward, as TinyPlan's fused logistic passes do for one network; the
// blocks still receive every net sum, output and output error (the backward pass and the loss
// checks read them), off the chain.
// Each network's operations and their order are LaneEngine.cs's header's, one pattern:
//   net_k = b_k + canonical Σ_j w_kj x_j (n ≤ 4: p0, p0 + p1, (p0 + p2) + p1, (p0 + p2) + (p1 + p3));
//   y = f(net); e = y - d; E = ½ · canonical Σ_k e_k²;
//   per layer from the top: delta = e ⊙ f'(net, y); a_k = scale · delta_k;
//   s_j from +0: s_j = fma(delta_k, w_kj, s_j), k in order (old weights); w_kj = fma(a_k, x_j, w_kj);
//   b_k = b_k + a_k; s is the layer below's e.
// ---------------------------------------------------------------------------------------------

/// <summary>The register-resident one-pattern passes of a tiny network (see the file header).</summary>
internal abstract class TinyLanePasses<TSimd, TVector> where TSimd : ISimd<TVector> where TVector : struct
{
    /// <summary>The widest layer (or input) the passes take.</summary>
    public const int MaxWidth = 4;

    /// <summary>Forward of one pattern, then (with <paramref name="halfSquaredError"/>) the output error into the last
    /// gradient block and each lane's E into <see cref="LaneBlocks.Loss"/>. Layer l's weights start at
    /// <paramref name="weightOffsets"/>[l] · 16 (the engine's table); the widths are the blocks'.</summary>
    public abstract void ForwardAndLoss(ref float parameters, int[] weightOffsets, LaneBlocks blocks, bool halfSquaredError);

    /// <summary>Backward of one pattern and the update in place at <see cref="LaneBlocks.Scale"/>, from the output
    /// error (or, with <paramref name="netGradientGiven"/>, ∂E/∂net) in the last gradient block.</summary>
    public abstract void BackwardAndUpdate(ref float parameters, int[] weightOffsets, LaneBlocks blocks, bool netGradientGiven);

    /// <summary>The passes for <paramref name="definition"/>, or null when it is not tiny: a width above
    /// <see cref="MaxWidth"/>, or layers that are not all logistic or all tanh.</summary>
    public static TinyLanePasses<TSimd, TVector>? For(NetworkDefinition definition)
    {
        if (definition.InputWidth > MaxWidth) return null;
        Type? function = null;
        foreach (Layer layer in definition.Layers)
        {
            if (layer is not Dense dense || dense.Width > MaxWidth) return null;
            Type type = dense.Transfer.GetType();
            if (function is not null && type != function) return null;
            function = type;
        }
        if (function == typeof(LogisticFunction))
        {
            return new TinyLanePasses<TSimd, TVector, LogisticOperator, ActivationDerivative.LogisticDerivativeOperator>();
        }
        if (function == typeof(TanhFunction))
        {
            return new TinyLanePasses<TSimd, TVector, TanhOperator, ActivationDerivative.TanhDerivativeOperator>();
        }
        return null;
    }
}

/// <summary>The passes with the function <typeparamref name="TForward"/> and its derivative <typeparamref name="TBackward"/>.</summary>
internal sealed class TinyLanePasses<TSimd, TVector, TForward, TBackward> : TinyLanePasses<TSimd, TVector>
    where TSimd : ISimd<TVector> where TVector : struct
    where TForward : struct, IUnaryOperator where TBackward : struct, IDerivativeOperator
{
    private const int Lanes = LaneSums.Stride;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override void ForwardAndLoss(ref float parameters, int[] weightOffsets, LaneBlocks blocks, bool halfSquaredError)
    {
        ref float b = ref MemoryMarshal.GetReference(blocks.Buffer.Span);
        int[] widths = blocks.Widths;
        int last = weightOffsets.Length - 1;
        for (int c = 0; c < Lanes; c += TSimd.Count)
        {
            int n = widths[0];
            LaneQuad<TVector> x = LaneSums.Quad<TSimd, TVector>(ref Unsafe.Add(ref b, blocks.InputOffset + c), n);
            for (int l = 0; l <= last; l++)
            {
                int units = widths[l + 1];
                ref float w = ref Unsafe.Add(ref parameters, (weightOffsets[l] * Lanes) + c);
                ref float net = ref Unsafe.Add(ref b, blocks.NetOffsets[l] + c);
                ref float y = ref Unsafe.Add(ref b, blocks.OutputOffsets[l] + c);
                // All the sums, then all the σ: x is dead before the first σ, which at Vector256 (16 registers) spills less.
                LaneQuad<TVector> z = default;
                z.V0 = Net(ref w, ref net, 0, units, n, x);
                if (units > 1) z.V1 = Net(ref w, ref net, 1, units, n, x);
                if (units > 2) z.V2 = Net(ref w, ref net, 2, units, n, x);
                if (units > 3) z.V3 = Net(ref w, ref net, 3, units, n, x);
                x.V0 = Activate(z.V0, ref y, 0);
                if (units > 1) x.V1 = Activate(z.V1, ref y, 1);
                if (units > 2) x.V2 = Activate(z.V2, ref y, 2);
                if (units > 3) x.V3 = Activate(z.V3, ref y, 3);
                n = units;
            }
            if (!halfSquaredError) continue;
            LaneQuad<TVector> e = Errors(x, ref Unsafe.Add(ref b, blocks.TargetOffset + c), ref Unsafe.Add(ref b, blocks.GradientOffsets[last] + c), n);
            TSimd.Store(TSimd.Multiply(TSimd.Create(0.5f), LaneSums.Dot<TSimd, TVector>(e, e, n)), ref blocks.Loss[c]);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public override void BackwardAndUpdate(ref float parameters, int[] weightOffsets, LaneBlocks blocks, bool netGradientGiven)
    {
        ref float b = ref MemoryMarshal.GetReference(blocks.Buffer.Span);
        int[] widths = blocks.Widths;
        int last = weightOffsets.Length - 1;
        for (int c = 0; c < Lanes; c += TSimd.Count)
        {
            TVector scale = TSimd.Load(ref blocks.Scale[c]);
            LaneQuad<TVector> g = LaneSums.Quad<TSimd, TVector>(ref Unsafe.Add(ref b, blocks.GradientOffsets[last] + c), widths[last + 1]);
            for (int l = last; l >= 0; l--)
            {
                int units = widths[l + 1], inputs = widths[l];
                if (l < last || !netGradientGiven)
                {
                    g = Derivative(g, ref Unsafe.Add(ref b, blocks.NetOffsets[l] + c), ref Unsafe.Add(ref b, blocks.OutputOffsets[l] + c), units);
                }
                LaneQuad<TVector> x = LaneSums.Quad<TSimd, TVector>(ref Unsafe.Add(ref b, (l > 0 ? blocks.OutputOffsets[l - 1] : blocks.InputOffset) + c), inputs);
                ref float w = ref Unsafe.Add(ref parameters, (weightOffsets[l] * Lanes) + c);
                LaneQuad<TVector> s = default;   // +0: each s_j's first step is fma(delta_0, w_0j, +0)
                s = Row(ref w, 0, units, inputs, g.V0, scale, x, s);
                if (units > 1) s = Row(ref w, 1, units, inputs, g.V1, scale, x, s);
                if (units > 2) s = Row(ref w, 2, units, inputs, g.V2, scale, x, s);
                if (units > 3) s = Row(ref w, 3, units, inputs, g.V3, scale, x, s);
                g = s;   // the input layer's s is not used
            }
        }
    }

    // net_k = b_k + Σ_j w_kj x_j, stored and returned.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Net(ref float w, ref float net, int k, int units, int inputs, LaneQuad<TVector> x)
    {
        LaneQuad<TVector> row = LaneSums.Quad<TSimd, TVector>(ref Unsafe.Add(ref w, (nint)k * inputs * Lanes), inputs);
        TVector z = TSimd.Add(LaneSums.At<TSimd, TVector>(ref Unsafe.Add(ref w, (nint)units * inputs * Lanes), k), LaneSums.Dot<TSimd, TVector>(row, x, inputs));
        TSimd.Store(z, ref Unsafe.Add(ref net, (nint)k * Lanes));
        return z;
    }

    // y_k = f(net_k), stored and returned.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Activate(TVector z, ref float y, int k)
    {
        TVector output = default(TForward).Invoke<TSimd, TVector>(z);
        TSimd.Store(output, ref Unsafe.Add(ref y, (nint)k * Lanes));
        return output;
    }

    // e_k = y_k - d_k, stored.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LaneQuad<TVector> Errors(LaneQuad<TVector> y, ref float d, ref float e, int n)
    {
        LaneQuad<TVector> error = default;
        error.V0 = Error(y.V0, ref d, ref e, 0);
        if (n > 1) error.V1 = Error(y.V1, ref d, ref e, 1);
        if (n > 2) error.V2 = Error(y.V2, ref d, ref e, 2);
        if (n > 3) error.V3 = Error(y.V3, ref d, ref e, 3);
        return error;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Error(TVector y, ref float d, ref float e, int k)
    {
        TVector error = TSimd.Subtract(y, LaneSums.At<TSimd, TVector>(ref d, k));
        TSimd.Store(error, ref Unsafe.Add(ref e, (nint)k * Lanes));
        return error;
    }

    // delta_k = g_k ⊙ f'(net_k, y_k) for the layer's units.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LaneQuad<TVector> Derivative(LaneQuad<TVector> g, ref float net, ref float y, int units)
    {
        TBackward f = default;
        g.V0 = f.Invoke<TSimd, TVector>(g.V0, LaneSums.At<TSimd, TVector>(ref net, 0), LaneSums.At<TSimd, TVector>(ref y, 0));
        if (units > 1) g.V1 = f.Invoke<TSimd, TVector>(g.V1, LaneSums.At<TSimd, TVector>(ref net, 1), LaneSums.At<TSimd, TVector>(ref y, 1));
        if (units > 2) g.V2 = f.Invoke<TSimd, TVector>(g.V2, LaneSums.At<TSimd, TVector>(ref net, 2), LaneSums.At<TSimd, TVector>(ref y, 2));
        if (units > 3) g.V3 = f.Invoke<TSimd, TVector>(g.V3, LaneSums.At<TSimd, TVector>(ref net, 3), LaneSums.At<TSimd, TVector>(ref y, 3));
        return g;
    }

    // Unit k's row: s_j = fma(delta_k, w_kj, s_j) with the old weight, w_kj = fma(a_k, x_j, w_kj), b_k = b_k + a_k.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LaneQuad<TVector> Row(ref float w, int k, int units, int inputs, TVector delta, TVector scale, LaneQuad<TVector> x, LaneQuad<TVector> s)
    {
        TVector a = TSimd.Multiply(scale, delta);
        ref float row = ref Unsafe.Add(ref w, (nint)k * inputs * Lanes);
        s.V0 = Connection(ref row, 0, delta, a, x.V0, s.V0);
        if (inputs > 1) s.V1 = Connection(ref row, 1, delta, a, x.V1, s.V1);
        if (inputs > 2) s.V2 = Connection(ref row, 2, delta, a, x.V2, s.V2);
        if (inputs > 3) s.V3 = Connection(ref row, 3, delta, a, x.V3, s.V3);
        ref float bk = ref Unsafe.Add(ref w, ((nint)units * inputs + k) * Lanes);
        TSimd.Store(TSimd.Add(TSimd.Load(ref bk), a), ref bk);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Connection(ref float row, int j, TVector delta, TVector a, TVector x, TVector s)
    {
        ref float wkj = ref Unsafe.Add(ref row, (nint)j * Lanes);
        TVector old = TSimd.Load(ref wkj);
        TSimd.Store(TSimd.FusedMultiplyAdd(a, x, old), ref wkj);
        return TSimd.FusedMultiplyAdd(delta, old, s);
    }
}
