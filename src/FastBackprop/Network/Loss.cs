namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The loss of one pattern and the output signal the output layer's backward starts from. Each loss
// gives, for one pattern's outputs y = f(net) and targets d:
//   E_p       its value, and
//   signal    ∂E_p/∂y_k (the output layer then applies f', (7)), or, where the loss and the output
//             function fuse (cross-entropies over softmax / logistic, Poisson over exp), ∂E_p/∂net_k
//             directly: y_k - d_k, (y_k - d_k)/K, ...
// Reduction: per pattern over the K output units (a sum for hse, ce and bce, a mean for mse, mae,
// huber and poisson: MeanOverOutputs), then the trainer's mean over the patterns of a batch
// (Trainer.Fit and Evaluate report the mean E_p; a batch step's gradient is the mean of its rows').
// The engine makes one virtual call per pattern (or per block of rows), never per element.
// ---------------------------------------------------------------------------------------------

/// <summary>The error function E a network minimises, per pattern: its value and the output layer's error signal.</summary>
/// <remarks>
/// <para>Reduction: each loss reduces over a pattern's K output units, by a sum (<see cref="HalfSquaredError"/>,
/// <see cref="CrossEntropy"/>, <see cref="BinaryCrossEntropy"/>: the derivation's E and scikit-learn's log loss, which
/// sums over the labels of a multi-label pattern) or by a mean (<see cref="MeanSquaredError"/>,
/// <see cref="MeanAbsoluteError"/>, <see cref="Huber"/>, <see cref="Poisson"/>: PyTorch's reduction='mean' over the
/// outputs); <see cref="MeanOverOutputs"/> says which. Training and evaluation then take the mean over the patterns,
/// so the loss <see cref="Training.Trainer.Fit"/> reports for a mean-reduced loss equals PyTorch's with reduction='mean'.</para>
/// <para>The built-in losses are static members and factories here; a user-defined one derives from
/// <see cref="ElementwiseLoss"/> (value and derivative per output), is checked against central differences, and is
/// stored in model files once registered (<see cref="Register"/>). Instances are immutable and thread-safe.</para>
/// </remarks>
public abstract partial class Loss
{
    // Only this assembly derives from Loss directly; users derive from ElementwiseLoss.
    private protected Loss()
    {
    }

    /// <summary>The loss's name as model files and the command line write it, e.g. "hse", "huber(1)", "ce(0.1)";
    /// <see cref="FromName"/> reads it back.</summary>
    public abstract string Name { get; }

    /// <summary>True when E_p is the mean over the output units (PyTorch's reduction='mean'), false when it is their sum.</summary>
    public abstract bool MeanOverOutputs { get; }

    /// <summary>The loss's display name, e.g. "HalfSquaredError", "CrossEntropy", "Huber(1)".</summary>
    public override string ToString() => Name;

    /// <summary>Losses are equal when they are of one type and have one <see cref="Name"/> (name and parameters).</summary>
    public override bool Equals(object? obj) => obj is Loss other && other.GetType() == GetType() && other.Name == Name;

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>E = ½ Σ_k (d_k - y_k)², signal ∂E/∂y_k = y_k - d_k: the derivation's error ("hse"). Works with every output
    /// transfer function. Sum over the outputs.</summary>
    public static Loss HalfSquaredError { get; } = new HalfSquaredErrorLoss();

    /// <summary>Cross-entropy ("ce"). With a softmax output (one class per pattern, targets a distribution summing to 1):
    /// E = -Σ_k d_k ln y_k. With a logistic output (independent labels, multi-label): E = -Σ_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)],
    /// as <see cref="BinaryCrossEntropy"/>. In both cases ∂E/∂net_k = y_k - d_k. Other output functions are rejected.
    /// Sum over the outputs.</summary>
    public static Loss CrossEntropy { get; } = new CrossEntropyLoss(0f);

    /// <summary>Binary cross-entropy over logistic outputs ("bce", multi-label: each output an independent probability):
    /// E = -Σ_k [d_k ln y_k + (1 - d_k) ln(1 - y_k)] with targets in [0, 1], ∂E/∂net_k = y_k - d_k. Sum over the outputs, as
    /// scikit-learn's log loss for multi-label data (PyTorch's BCEWithLogitsLoss with reduction='sum' per pattern).</summary>
    public static Loss BinaryCrossEntropy { get; } = new BinaryCrossEntropyLoss();

    /// <summary>Mean squared error ("mse", PyTorch nn.MSELoss): E = (1/K) Σ_k (y_k - d_k)², ∂E/∂y_k = 2 (y_k - d_k) / K.
    /// Any output function.</summary>
    public static Loss MeanSquaredError { get; } = new MeanSquaredErrorLoss();

    /// <summary>Mean absolute error ("mae", PyTorch nn.L1Loss): E = (1/K) Σ_k |y_k - d_k|, ∂E/∂y_k = sign(y_k - d_k) / K with
    /// the subgradient 0 where y_k = d_k (as PyTorch). Any output function.</summary>
    public static Loss MeanAbsoluteError { get; } = new MeanAbsoluteErrorLoss();

    /// <summary>Poisson negative log-likelihood with the log link ("poisson", PyTorch nn.PoissonNLLLoss with log_input=True,
    /// full=False): the net sum is the log rate and the output y = e^net (<see cref="TransferFunction.Exp"/>, required) the
    /// rate; E = (1/K) Σ_k (e^net_k - d_k net_k), ∂E/∂net_k = (y_k - d_k) / K. Targets are counts or rates, at least 0.</summary>
    public static Loss Poisson { get; } = new PoissonLoss();

    /// <summary>Huber loss ("huber(delta)", PyTorch nn.HuberLoss): per output r = y - d, ½ r² where |r| ≤ delta and
    /// delta (|r| - ½ delta) beyond; E their mean over the outputs; ∂E/∂y = clamp(r, -delta, delta) / K. Any output function.</summary>
    /// <param name="delta">Where the quadratic turns linear; finite, greater than 0. PyTorch's default is 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is NaN, infinite, 0 or negative.</exception>
    public static Loss Huber(float delta = 1f)
    {
        if (!(delta > 0f && float.IsFinite(delta)))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"delta is {delta}; expected a finite number greater than 0.");
        }
        return new HuberLoss(delta);
    }

    /// <summary>Categorical cross-entropy over a softmax output with label smoothing ("ce(smoothing)", PyTorch
    /// nn.CrossEntropyLoss(label_smoothing=smoothing)): the targets become t_k = (1 - smoothing) d_k + smoothing / K and
    /// E = -Σ_k t_k ln y_k, ∂E/∂net_k = y_k - t_k. With smoothing 0 this is <see cref="CrossEntropy"/> (which also takes
    /// logistic outputs); above 0 the output must be softmax.</summary>
    /// <param name="smoothing">The label smoothing, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="smoothing"/> is NaN or outside [0, 1].</exception>
    public static Loss CategoricalCrossEntropy(float smoothing = 0f)
    {
        if (!(smoothing >= 0f && smoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, $"smoothing is {smoothing}; expected a label smoothing in [0, 1].");
        }
        return smoothing == 0f ? CrossEntropy : new CrossEntropyLoss(smoothing);
    }

    // ---- what the engine, the reference and the checks call (one call per pattern or block) ----

    /// <summary>E_p of one pattern in float; writes the signal (∂E/∂net when <see cref="GivesNetGradient"/>, else ∂E/∂y).
    /// All spans one element per output unit.</summary>
    internal abstract float Pattern(TransferFunction output, ReadOnlySpan<float> net, ReadOnlySpan<float> y, ReadOnlySpan<float> target, Span<float> signal);

    /// <summary>E_p of one pattern in double, written as the definition reads, for the reference; writes the signal as
    /// <see cref="Pattern"/> does.</summary>
    internal abstract double Reference(TransferFunction output, ReadOnlySpan<double> net, ReadOnlySpan<double> y, ReadOnlySpan<double> target, Span<double> signal);

    /// <summary>Whether the signal is ∂E/∂net (the loss fused with <paramref name="output"/>) rather than ∂E/∂y.</summary>
    internal virtual bool GivesNetGradient(TransferFunction output) => false;

    /// <summary>Why <paramref name="output"/> cannot be this loss's output function, or null when it can.</summary>
    internal virtual string? OutputProblem(TransferFunction output) => null;

    /// <summary>What is wrong with one pattern's targets for this loss, or null: every loss needs finite targets.</summary>
    internal virtual string? TargetProblem(TransferFunction output, ReadOnlySpan<float> target)
    {
        for (int k = 0; k < target.Length; k++)
        {
            if (!float.IsFinite(target[k])) return $"target {k} is {target[k]}; {this} expects finite targets.";
        }
        return null;
    }

    /// <summary>True when the loss of a block of rows is one reduction over the whole block (<see cref="Pattern"/> called
    /// once with every row), which piece 0 of a batch's team does alone; false when each row is a call of its own.</summary>
    internal virtual bool SumsWholeBlock => false;

    /// <summary>About how many element-wise float operations one output element's loss costs, for deciding whether a
    /// block of rows is worth a second thread.</summary>
    internal virtual int CostPerElement => 8;

    /// <summary>Column <paramref name="k"/> of a square root S of the Hessian H of E_p in the signal's variable (y, or net
    /// when fused), S Sᵀ = H, for the Gauss-Newton matrix (Levenberg-Marquardt: BatchObjective).</summary>
    internal abstract void HessianFactorColumn(TransferFunction output, ReadOnlySpan<float> y, ReadOnlySpan<float> target, int k, Span<float> signal);

    /// <summary>Throws unless <paramref name="output"/> suits this loss (named <paramref name="paramName"/>); checks a
    /// user-defined loss's derivative the first time.</summary>
    internal void CheckUse(TransferFunction output, string paramName)
    {
        if (OutputProblem(output) is string problem)
        {
            throw new ArgumentException($"loss is {this} with output transfer function '{output.Name}'; {problem}", paramName);
        }
        if (this is ElementwiseLoss elementwise) elementwise.EnsureDerivativeChecked(paramName);
    }

    /// <summary>A diagonal Hessian's column k: √h e_k.</summary>
    private protected static void DiagonalColumn(Span<float> signal, int k, float h)
    {
        signal.Clear();
        signal[k] = MathF.Sqrt(h);
    }
}
