namespace FastBackprop;

/// <summary>A layer's transfer function y = f(net) and what backpropagation needs of it.</summary>
/// <remarks>
/// Each function exists twice: in float over spans for the engine (vectorised for the built-ins),
/// and in double for <see cref="Reference.ReferenceBackprop"/>, the textbook oracle. An element-wise
/// function only needs f and f' in double (derive from <see cref="ElementwiseTransferFunction"/>);
/// the float paths then default to those. Instances are immutable and thread-safe.
/// </remarks>
public abstract partial class TransferFunction
{
    /// <summary>The function's name as it appears in messages and model files (e.g. "logistic").</summary>
    public abstract string Name { get; }

    /// <summary>The weight initialisation that suits this function when it feeds a layer's output:
    /// Xavier/Glorot for saturating functions, He for the rectifiers.</summary>
    public virtual WeightInitialization PreferredInitialization => WeightInitialization.XavierUniform;

    /// <summary>Whether y_k depends on net_k alone. A batch applies an element-wise function to its whole block in one
    /// call, and any other (softmax, or a function derived directly from this class) to one pattern's row at a time.</summary>
    public virtual bool IsElementwise => false;

    /// <summary>Computes <c>output = f(net)</c> in float. <paramref name="output"/> has the length of <paramref name="net"/>.</summary>
    public abstract void Activate(ReadOnlySpan<float> net, Span<float> output);

    /// <summary>Turns <c>∂E/∂y</c> into <c>∂E/∂net</c> in place: for an element-wise f,
    /// <c>delta[i] *= f'(net[i])</c>. Both <paramref name="net"/> and <paramref name="output"/>
    /// (= f(net)) are given so that f' can be taken from whichever is cheaper.</summary>
    public abstract void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta);

    /// <summary>Double-precision <c>output = f(net)</c> for the reference.</summary>
    public abstract void Activate(ReadOnlySpan<double> net, Span<double> output);

    /// <summary>Double-precision <c>delta[i] = Σ_k (∂y_k/∂net_i) dEdy[k]</c> for the reference; for an element-wise f,
    /// <c>delta[i] = dEdy[i] * f'(net[i])</c>.</summary>
    public abstract void MultiplyByDerivative(ReadOnlySpan<double> net, ReadOnlySpan<double> output, ReadOnlySpan<double> dEdy, Span<double> delta);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>The built-in function this is, for the tiny-network plan (TinyPlan); <see cref="ScalarForm.Custom"/> for the
    /// functions it does not inline (user-defined ones, and the built-ins whose kernels are Kernels/Transfer's operators).</summary>
    internal virtual ScalarForm Form => ScalarForm.Custom;

    /// <summary>Whether this is one of FastBackprop's own functions (tested by its suite, so never checked on use).</summary>
    internal bool IsBuiltIn => GetType().Assembly == typeof(TransferFunction).Assembly;

    /// <summary>Slope for negative inputs when <see cref="Form"/> is <see cref="ScalarForm.Rectifier"/>.</summary>
    internal virtual float NegativeSlope => 0f;

    /// <summary>The logistic function 1 / (1 + e^-x).</summary>
    public static TransferFunction Logistic { get; } = new LogisticFunction();

    /// <summary>The hyperbolic tangent.</summary>
    public static TransferFunction Tanh { get; } = new TanhFunction();

    /// <summary>The rectifier max(0, x).</summary>
    public static TransferFunction Relu { get; } = new RectifierFunction(0f);

    /// <summary>The identity x (a linear output unit).</summary>
    public static TransferFunction Identity { get; } = new IdentityFunction();

    /// <summary>Softmax over the layer, e^x_k / Σ_j e^x_j: output layer only.</summary>
    public static TransferFunction Softmax { get; } = new SoftmaxFunction();

    /// <summary>ELU (PyTorch nn.ELU): x for x &gt; 0, <paramref name="alpha"/> (e^x - 1) otherwise. Named "elu(alpha)", e.g. "elu(1)".</summary>
    /// <param name="alpha">The negative side's limit -α; finite, greater than 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is NaN, infinite, 0 or negative.</exception>
    public static TransferFunction Elu(float alpha = 1f)
    {
        if (!(alpha > 0f && float.IsFinite(alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha is {alpha}; expected a finite number greater than 0.");
        }
        return ExponentialLinearFunction.CreateElu(alpha);
    }

    /// <summary>SELU (PyTorch nn.SELU): scale · ELU_α with α = 1.6732632423543772848 and scale = 1.0507009873554804934.</summary>
    public static TransferFunction Selu { get; } = ExponentialLinearFunction.CreateSelu();

    /// <summary>Softplus log(1 + e^x) (PyTorch nn.Softplus with β = 1 and threshold 20: x itself above 20).</summary>
    public static TransferFunction Softplus { get; } = new SoftplusFunction();

    /// <summary>GELU x Φ(x), Φ the standard normal distribution function (PyTorch nn.GELU, approximate='none').</summary>
    public static TransferFunction Gelu { get; } = new GeluFunction();

    /// <summary>GELU's tanh approximation x/2 (1 + tanh(√(2/π)(x + 0.044715 x³))) (PyTorch nn.GELU, approximate='tanh'). Named "gelu-tanh".</summary>
    public static TransferFunction GeluTanh { get; } = new GeluTanhFunction();

    /// <summary>SiLU or swish, x σ(x) (PyTorch nn.SiLU).</summary>
    public static TransferFunction Silu { get; } = new SiluFunction();

    /// <summary>Softsign x / (1 + |x|) (PyTorch nn.Softsign).</summary>
    public static TransferFunction Softsign { get; } = new SoftsignFunction("softsign");

    /// <summary>Hard tanh, x clamped to [-1, 1] (PyTorch nn.Hardtanh). Named "hard-tanh".</summary>
    public static TransferFunction HardTanh { get; } = new HardTanhFunction();

    /// <summary>FANN's symmetric Elliott function FANN_ELLIOT_SYMMETRIC at steepness 1, x / (1 + |x|): the same function as
    /// <see cref="Softsign"/> under FANN's name. (FANN multiplies the net sum by its steepness, 0.5 by default, first.)</summary>
    public static TransferFunction Elliott { get; } = new SoftsignFunction("elliott");

    /// <summary>FANN's FANN_GAUSSIAN at steepness 1, e^(-x²).</summary>
    public static TransferFunction Gaussian { get; } = new GaussianFunction();

    /// <summary>The sine sin(x), FANN's FANN_SIN_SYMMETRIC at steepness 1 (FANN_SIN is sin(x)/2 + 1/2). Named "sin".</summary>
    public static TransferFunction Sine { get; } = new SineFunction();

    /// <summary>The exponential e^x (named "exp"): the output function of <see cref="Loss.Poisson"/>'s log link, whose
    /// outputs are rates (PyTorch's PoissonNLLLoss with log_input=True reads the net sum as the log rate).</summary>
    public static TransferFunction Exp { get; } = new ExponentialFunction();

    /// <summary>The leaky rectifier: x for x &gt; 0, <paramref name="slope"/> · x otherwise.</summary>
    /// <param name="slope">Slope for negative inputs; finite, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slope"/> is NaN, infinite or outside [0, 1).</exception>
    public static TransferFunction LeakyRelu(float slope = 0.01f)
    {
        if (!(slope >= 0f && slope < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(slope), slope, $"slope is {slope}; expected a number in [0, 1).");
        }
        return new RectifierFunction(slope);
    }
}

/// <summary>Base of element-wise transfer functions: define f and f' in double, and the float
/// paths work at once (scalar); override the float methods with a kernel for speed.</summary>
public abstract class ElementwiseTransferFunction : TransferFunction
{
    /// <inheritdoc/>
    public sealed override bool IsElementwise => true;

    /// <summary>f(x).</summary>
    public abstract double Function(double x);

    /// <summary>f'(x), the derivative at the net sum x.</summary>
    public abstract double Derivative(double x);

    // 1 once this instance's Derivative has passed DerivativeCheck (user-defined functions only).
    private int derivativeChecked;

    /// <summary>Runs <see cref="DerivativeCheck"/> on a user-defined function the first time it is used or registered
    /// (not in the constructor: a base constructor cannot call the derived class's Function before that class's own
    /// constructor has run). Built-in functions are covered by the test suite instead.</summary>
    /// <exception cref="ArgumentException">The derivative is wrong (named <paramref name="paramName"/>).</exception>
    internal void EnsureDerivativeChecked(string paramName)
    {
        if (IsBuiltIn || Volatile.Read(ref derivativeChecked) != 0) return;
        DerivativeCheck.Verify(this, paramName);
        Volatile.Write(ref derivativeChecked, 1);
    }

    /// <inheritdoc/>
    public override void Activate(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        for (int i = 0; i < net.Length; i++) output[i] = (float)Function(net[i]);
    }

    /// <inheritdoc/>
    public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
    {
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        for (int i = 0; i < net.Length; i++) delta[i] = (float)(delta[i] * Derivative(net[i]));
    }

    /// <inheritdoc/>
    public sealed override void Activate(ReadOnlySpan<double> net, Span<double> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        for (int i = 0; i < net.Length; i++) output[i] = Function(net[i]);
    }

    /// <inheritdoc/>
    public sealed override void MultiplyByDerivative(ReadOnlySpan<double> net, ReadOnlySpan<double> output, ReadOnlySpan<double> dEdy, Span<double> delta)
    {
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        for (int i = 0; i < net.Length; i++) delta[i] = dEdy[i] * Derivative(net[i]);
    }
}
