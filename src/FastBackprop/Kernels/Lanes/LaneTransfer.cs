using System.Runtime.CompilerServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// LaneTransfer: a layer's y = f(net) and delta ⊙ f'(net) across network lanes (LaneSums.cs has
// the layout: element e of the lanes' first register at [e * 16]). An element-wise built-in
// function runs its own operator structs (the ones its span kernels and the tiny plan run), whose
// operations are lane-wise and the same at every width, so each network gets its alone bits.
// Softmax runs Activation.SoftmaxCore's steps per row: the max (MathF.Max's semantics, in order),
// e^(net - max), the canonical sum, the product with 1 / sum; its backward y ⊙ (g - g·y) with g·y
// a canonical dot. Identity copies and its derivative does nothing, as IdentityFunction.
// ---------------------------------------------------------------------------------------------

/// <summary>A layer's transfer function across the lanes of one register width.</summary>
internal abstract class LaneTransfer<TSimd, TVector> where TSimd : ISimd<TVector> where TVector : struct
{
    /// <summary>y = f(net) for <paramref name="rows"/> rows of <paramref name="units"/> elements.</summary>
    public abstract void Activate(ref float net, ref float y, int rows, int units, ref float scratch);

    /// <summary>delta = delta ⊙ f'(net) (softmax: its Jacobian product) for <paramref name="rows"/> rows of <paramref name="units"/>.</summary>
    public abstract void MultiplyByDerivative(ref float net, ref float y, ref float delta, int rows, int units, ref float scratch);
}

/// <summary>Builds the lane form of a built-in transfer function.</summary>
internal static class LaneTransfers
{
    /// <summary>Whether <see cref="Create{TSimd, TVector}"/> has a lane form of <paramref name="function"/>.</summary>
    public static bool Supports(TransferFunction function) =>
        function is LogisticFunction or TanhFunction or RectifierFunction or IdentityFunction or SoftmaxFunction or IOperatorPair && function.IsBuiltIn;

    /// <summary>The lane form of <paramref name="function"/>, which <see cref="Supports"/> must accept.</summary>
    public static LaneTransfer<TSimd, TVector> Create<TSimd, TVector>(TransferFunction function) where TSimd : ISimd<TVector> where TVector : struct =>
        function switch
        {
            LogisticFunction => new OperatorLanes<TSimd, TVector, LogisticOperator, ActivationDerivative.LogisticDerivativeOperator>(default, default),
            TanhFunction => new OperatorLanes<TSimd, TVector, TanhOperator, ActivationDerivative.TanhDerivativeOperator>(default, default),
            RectifierFunction { Slope: 0f } => new OperatorLanes<TSimd, TVector, ReluOperator, ActivationDerivative.RectifierDerivativeOperator>(default, new(0f)),
            RectifierFunction r => new OperatorLanes<TSimd, TVector, LeakyReluOperator, ActivationDerivative.RectifierDerivativeOperator>(new(r.Slope), new(r.Slope)),
            IdentityFunction => new IdentityLanes<TSimd, TVector>(),
            SoftmaxFunction => new SoftmaxLanes<TSimd, TVector>(),
            IOperatorPair pair => pair.Accept(new Builder<TSimd, TVector>()),
            _ => throw new ArgumentException($"{function.Name} has no lane form.", nameof(function)),
        };

    private sealed class Builder<TSimd, TVector> : IOperatorPairVisitor<LaneTransfer<TSimd, TVector>> where TSimd : ISimd<TVector> where TVector : struct
    {
        public LaneTransfer<TSimd, TVector> Visit<TForward, TBackward>(TForward forward, TBackward backward)
            where TForward : struct, IUnaryOperator where TBackward : struct, IDerivativeOperator =>
            new OperatorLanes<TSimd, TVector, TForward, TBackward>(forward, backward);
    }
}

/// <summary>An element-wise function by its operator pair.</summary>
internal sealed class OperatorLanes<TSimd, TVector, TForward, TBackward>(TForward forward, TBackward backward) : LaneTransfer<TSimd, TVector>
    where TSimd : ISimd<TVector> where TVector : struct
    where TForward : struct, IUnaryOperator where TBackward : struct, IDerivativeOperator
{
    private readonly TForward forward = forward;
    private readonly TBackward backward = backward;

    public override void Activate(ref float net, ref float y, int rows, int units, ref float scratch)
    {
        int count = rows * units;
        for (int e = 0; e < count; e++)
        {
            nint at = (nint)e * LaneSums.Stride;
            TSimd.Store(forward.Invoke<TSimd, TVector>(TSimd.Load(ref Unsafe.Add(ref net, at))), ref Unsafe.Add(ref y, at));
        }
    }

    public override void MultiplyByDerivative(ref float net, ref float y, ref float delta, int rows, int units, ref float scratch)
    {
        int count = rows * units;
        for (int e = 0; e < count; e++)
        {
            nint at = (nint)e * LaneSums.Stride;
            ref float d = ref Unsafe.Add(ref delta, at);
            TSimd.Store(backward.Invoke<TSimd, TVector>(TSimd.Load(ref d), TSimd.Load(ref Unsafe.Add(ref net, at)), TSimd.Load(ref Unsafe.Add(ref y, at))), ref d);
        }
    }
}

/// <summary>f(x) = x: a copy; f' = 1: nothing.</summary>
internal sealed class IdentityLanes<TSimd, TVector> : LaneTransfer<TSimd, TVector> where TSimd : ISimd<TVector> where TVector : struct
{
    public override void Activate(ref float net, ref float y, int rows, int units, ref float scratch)
    {
        int count = rows * units;
        for (int e = 0; e < count; e++)
        {
            nint at = (nint)e * LaneSums.Stride;
            TSimd.Store(TSimd.Load(ref Unsafe.Add(ref net, at)), ref Unsafe.Add(ref y, at));
        }
    }

    public override void MultiplyByDerivative(ref float net, ref float y, ref float delta, int rows, int units, ref float scratch)
    {
    }
}

/// <summary>Softmax per row, as Activation.SoftmaxCore and SoftmaxBackwardCore.</summary>
internal sealed class SoftmaxLanes<TSimd, TVector> : LaneTransfer<TSimd, TVector> where TSimd : ISimd<TVector> where TVector : struct
{
    public override void Activate(ref float net, ref float y, int rows, int units, ref float scratch)
    {
        for (int p = 0; p < rows; p++)
        {
            nint row = (nint)p * units * LaneSums.Stride;
            ref float n = ref Unsafe.Add(ref net, row);
            ref float o = ref Unsafe.Add(ref y, row);
            TVector max = TSimd.Load(ref n);
            for (int k = 1; k < units; k++) max = SimdMath.Max(max, LaneSums.At<TSimd, TVector>(ref n, k));
            for (int k = 0; k < units; k++)
            {
                TSimd.Store(Transcendental.Exp<TSimd, TVector>(TSimd.Subtract(LaneSums.At<TSimd, TVector>(ref n, k), max)), ref Unsafe.Add(ref o, (nint)k * LaneSums.Stride));
            }
            TVector sum = LaneSums.Sum<TSimd, TVector>(ref o, units, ref scratch);
            TVector reciprocal = Reciprocal(sum);
            for (int k = 0; k < units; k++)
            {
                ref float ok = ref Unsafe.Add(ref o, (nint)k * LaneSums.Stride);
                TSimd.Store(TSimd.Multiply(TSimd.Load(ref ok), reciprocal), ref ok);
            }
        }
    }

    public override void MultiplyByDerivative(ref float net, ref float y, ref float delta, int rows, int units, ref float scratch)
    {
        for (int p = 0; p < rows; p++)
        {
            nint row = (nint)p * units * LaneSums.Stride;
            ref float o = ref Unsafe.Add(ref y, row);
            ref float g = ref Unsafe.Add(ref delta, row);
            TVector dot = LaneSums.Dot<TSimd, TVector>(ref g, ref o, units);
            for (int k = 0; k < units; k++)
            {
                ref float gk = ref Unsafe.Add(ref g, (nint)k * LaneSums.Stride);
                TSimd.Store(TSimd.Multiply(LaneSums.At<TSimd, TVector>(ref o, k), TSimd.Subtract(TSimd.Load(ref gk), dot)), ref gk);
            }
        }
    }

    // 1f / sum per lane (IEEE division, as SoftmaxCore's scalar 1f / sum): through memory, as ISimd has no division.
    private static TVector Reciprocal(TVector sum)
    {
        Block16 lanes = default;
        ref float first = ref Unsafe.As<Block16, float>(ref lanes);
        TSimd.Store(sum, ref first);
        for (int i = 0; i < TSimd.Count; i++) Unsafe.Add(ref first, i) = 1f / Unsafe.Add(ref first, i);
        return TSimd.Load(ref first);
    }
}
