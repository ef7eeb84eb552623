namespace FastBackprop;

/// <summary>A layer's transfer function y = f(net) and what backpropagation needs of it.</summary>
/// <remarks>
/// Each function exists twice: in float over spans for the engine (vectorised for the built-ins),
/// and in double for <see cref="Reference.ReferenceBackprop"/>, the textbook oracle. An element-wise
/// function only needs f and f' in double (derive from <see cref="ElementwiseTransferFunction"/>);
/// the float paths then default to those. Instances are immutable and thread-safe.
/// </remarks>
public abstract class TransferFunction
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

    /// <summary>The built-in function this is, for the tiny-network plan (TinyPlan); <see cref="ScalarForm.Custom"/> otherwise.</summary>
    internal virtual ScalarForm Form => ScalarForm.Custom;

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

    /// <summary>The built-in function called <paramref name="name"/>, as written by <see cref="Name"/>:
    /// "logistic", "tanh", "relu", "identity", "softmax", or "leaky-relu(slope)" (slope in invariant
    /// culture, e.g. "leaky-relu(0.01)"; "leaky-relu" alone means slope 0.01). Case-insensitive.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> names no built-in function, or its slope is not a number in [0, 1).</exception>
    public static TransferFunction FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Trim().ToLowerInvariant();
        switch (n)
        {
            case "logistic" or "sigmoid": return Logistic;
            case "tanh": return Tanh;
            case "relu": return Relu;
            case "identity" or "linear": return Identity;
            case "softmax": return Softmax;
            case "leaky-relu" or "leakyrelu": return LeakyRelu();
        }
        if (n.StartsWith("leaky-relu(", StringComparison.Ordinal) && n.EndsWith(')'))
        {
            string slope = n["leaky-relu(".Length..^1];
            if (float.TryParse(slope, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float value)
                && value >= 0f && value < 1f)
            {
                return LeakyRelu(value);
            }
            throw new ArgumentException($"name is '{name}'; expected a leaky-relu slope in [0, 1), e.g. 'leaky-relu(0.01)'.", nameof(name));
        }
        throw new ArgumentException($"name is '{name}'; expected one of logistic, tanh, relu, leaky-relu(slope), identity, softmax.", nameof(name));
    }

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
