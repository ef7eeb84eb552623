using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels;

// ---------------------------------------------------------------------------------------------
// Activation: y_k = f(net_k) for the built-in transfer functions (derivation: y_k = f(net_k)).
// Each function's arithmetic is one operator struct, written once for every vector width: the
// span kernels below run it through the element-wise driver, and the tiny-network plan (TinyPlan) runs
// it over a layer's handful of units, so both paths compute the same formula. Logistic, tanh and softmax's
// e^x are this project's own (Kernels/Transcendental): the same IEEE operations on every lane at
// every width, so each output has the same bits at every vector tier and on every CPU. Error
// bounds over the whole float range (measured maxima; the tests assert 2, 1 and 1 ulp): logistic
// 1.46 ulp, tanh 0.80 ulp (relative, also near 0), e^x 0.80 ulp. Softmax is not element-wise; its
// kernel is written once, generic over the width, below.
// Operands: net and output have one element per unit; output may be net itself.
// ---------------------------------------------------------------------------------------------

/// <summary>Forward transfer functions over spans.</summary>
public static class Activation
{
    /// <summary>Effectively computes <c>output[i] = 1 / (1 + e^-net[i])</c>, within 1.5 ulp (relative, also for the
    /// tiny results of large negative net values), with the same bits at every vector tier. NaN stays NaN.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Logistic(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ElementwiseDriver.Map(default(LogisticOperator), net, output);
    }

    /// <summary>Effectively computes <c>output[i] = tanh(net[i])</c>, within 1 ulp (relative, also near 0:
    /// tanh(1e-30) = 1e-30), with the same bits at every vector tier. NaN stays NaN.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Tanh(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ElementwiseDriver.Map(default(TanhOperator), net, output);
    }

    /// <summary>Effectively computes <c>output[i] = net[i] &gt; 0 ? net[i] : slope * net[i]</c>:
    /// ReLU for <paramref name="slope"/> 0 (as <c>max(net[i], 0)</c>, so ReLU(-∞) = 0), leaky ReLU
    /// otherwise. NaN stays NaN.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Rectifier(ReadOnlySpan<float> net, float slope, Span<float> output)
    {
        // Checked here, not left to the driver, so that the exception names this method's parameter.
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        if (slope == 0f) ElementwiseDriver.Map(default(ReluOperator), net, output);
        else ElementwiseDriver.Map(new LeakyReluOperator(slope), net, output);
    }

    /// <summary>Effectively computes <c>output[i] = e^(net[i] - m) / Σ_j e^(net[j] - m)</c> with
    /// <c>m = max_j net[j]</c>; subtracting the maximum keeps every exponent ≤ 0, so no overflow.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or are empty.</exception>
    /// <remarks>The sum is in the canonical order of Lanes16 (the same at every vector tier); the exponentials are
    /// Transcendental.Exp's.</remarks>
    public static void Softmax(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ThrowHelper.CheckAtLeast(net.Length, 1, "net.Length");
        var kernel = new SoftmaxKernel(net, output);
        VectorDispatch.Run(net.Length, ref kernel);
    }

    /// <summary>The softmax vector-Jacobian product, in place: with <c>y = softmax(net)</c> and
    /// <c>g = ∂E/∂y</c> on entry, effectively computes <c>g[k] = y[k] * (g[k] - Σ_j g[j] y[j])</c> = ∂E/∂net_k.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <remarks>The dot product is in the canonical order of Lanes16 and the rest is element-wise: the same bits on
    /// every CPU and vector tier.</remarks>
    public static void SoftmaxBackward(ReadOnlySpan<float> output, Span<float> gradient)
    {
        ThrowHelper.CheckLength(gradient.Length, output.Length, nameof(gradient));
        var kernel = new SoftmaxBackwardKernel(output, gradient);
        VectorDispatch.Run(output.Length, ref kernel);
    }

    // ---- softmax, once for every width --------------------------------------------------------

    /// <summary>y = softmax(net) over <paramref name="n"/> units (n ≥ 1): the max by a scalar pass (a layer's
    /// handful of outputs), then e^(net - max) through the element-wise driver (the tail in a padded register),
    /// then their canonical sum (Lanes16: the same bits at every width), then one multiply by the reciprocal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SoftmaxCore<TSimd, TVector>(ref float net, ref float y, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        float max = net;
        for (int k = 1; k < n; k++) max = MathF.Max(max, Unsafe.Add(ref net, k));
        ElementwiseDriver.Map<ShiftedExpOperator, TSimd, TVector>(new ShiftedExpOperator(max), ref net, ref y, n);
        float sum = Lanes16.Sum(ref y, n);
        InPlace.Scale<TSimd, TVector>(ref y, n, 1f / sum);
    }

    /// <summary>g = y ⊙ (g - g·y) over <paramref name="n"/> units, with g·y a canonical dot product (Lanes16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SoftmaxBackwardCore<TSimd, TVector>(ref float y, ref float g, int n) where TSimd : ISimd<TVector> where TVector : struct
    {
        float dot = Lanes16.Dot(ref g, ref y, n);
        TVector dv = TSimd.Create(dot);
        int i;
        for (i = 0; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float gi = ref Unsafe.Add(ref g, i);
            TSimd.Store(TSimd.Multiply(TSimd.Load(ref Unsafe.Add(ref y, i)), TSimd.Subtract(TSimd.Load(ref gi), dv)), ref gi);
        }
        for (; i < n; i++) Unsafe.Add(ref g, i) = Unsafe.Add(ref y, i) * (Unsafe.Add(ref g, i) - dot);
    }

    private readonly ref struct SoftmaxKernel(ReadOnlySpan<float> net, Span<float> output) : IVectorKernel
    {
        private readonly ReadOnlySpan<float> x = net;
        private readonly Span<float> y = output;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            SoftmaxCore<TSimd, TVector>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    private readonly ref struct SoftmaxBackwardKernel(ReadOnlySpan<float> output, Span<float> gradient) : IVectorKernel
    {
        private readonly ReadOnlySpan<float> y = output;
        private readonly Span<float> g = gradient;

        public void Run<TSimd, TVector>() where TSimd : ISimd<TVector> where TVector : struct =>
            SoftmaxBackwardCore<TSimd, TVector>(ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(g), y.Length);
    }
}

// ---- the element-wise functions, once for every width -----------------------------------------

/// <summary>f(x) = 1 / (1 + e^-x): <see cref="Transcendental.Logistic{TSimd, TVector}"/>.</summary>
internal readonly struct LogisticOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Transcendental.Logistic<TSimd, TVector>(x);
}

/// <summary>f(x) = tanh(x): <see cref="Transcendental.Tanh{TSimd, TVector}"/>.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Transcendental.Tanh<TSimd, TVector>(x);
}

/// <summary>f(x) = e^(x - shift): softmax's exponentials, with the shift its maximum.</summary>
internal readonly struct ShiftedExpOperator(float shift) : IUnaryOperator
{
    private readonly float shift = shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => Transcendental.Exp<TSimd, TVector>(TSimd.Subtract(x, TSimd.Create(shift)));
}

/// <summary>f(x) = max(x, 0).</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct => SimdMath.Max(x, TSimd.Zero);
}

/// <summary>f(x) = x for x &gt; 0, slope · x otherwise.</summary>
internal readonly struct LeakyReluOperator(float slope) : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct
        => TSimd.WherePositive(x, x, TSimd.Multiply(x, TSimd.Create(slope)));
}
