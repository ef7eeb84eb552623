using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>iRPROP- (Igel and Hüsken 2000): sign-based steps with one adaptive step size per weight. Meant for
/// full-batch training (the gradient's sign must be that of the whole error), the classic method for small
/// networks. See <see cref="RpropUpdate"/> for the equations.</summary>
/// <remarks>The learning rate passed to <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float)"/> is validated but ignored; the step sizes
/// start at <see cref="InitialStep"/> and adapt. State: buffer 0 the sign (-1, 0, +1) of the previous gradient
/// after the iRPROP- reset (zero initially), buffer 1 the step sizes (<see cref="InitialStep"/> initially).</remarks>
public sealed class Rprop : Optimizer
{
    /// <summary>Creates the optimizer with the paper's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="increase">eta+, finite and &gt; 1.</param>
    /// <param name="decrease">eta-, in (0, 1).</param>
    /// <param name="minStep">Delta_min, finite and &gt; 0.</param>
    /// <param name="maxStep">Delta_max, finite and &gt;= <paramref name="minStep"/>.</param>
    /// <param name="initialStep">Delta_0, in [<paramref name="minStep"/>, <paramref name="maxStep"/>].</param>
    /// <param name="weightDecay">lambda, coupled (added to the gradient before its sign is taken); finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Rprop(int parameterCount, float increase = 1.2f, float decrease = 0.5f, float minStep = 1e-6f, float maxStep = 50f,
        float initialStep = 0.1f, float weightDecay = 0f)
        : base(parameterCount, 2)
    {
        Increase = HyperParameter.AboveOne(increase, nameof(increase));
        Decrease = HyperParameter.OpenUnitInterval(decrease, nameof(decrease));
        MinStep = HyperParameter.Positive(minStep, nameof(minStep));
        MaxStep = HyperParameter.InRange(maxStep, minStep, float.MaxValue, nameof(maxStep));
        InitialStep = HyperParameter.InRange(initialStep, minStep, maxStep, nameof(initialStep));
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
        InitializeState();
    }

    /// <summary>eta+.</summary>
    public float Increase { get; }

    /// <summary>eta-.</summary>
    public float Decrease { get; }

    /// <summary>Delta_min.</summary>
    public float MinStep { get; }

    /// <summary>Delta_max.</summary>
    public float MaxStep { get; }

    /// <summary>Delta_0.</summary>
    public float InitialStep { get; }

    /// <summary>lambda (coupled).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"rprop (iRPROP-; increase {Increase}, decrease {Decrease}, min step {MinStep}, max step {MaxStep}, initial step {InitialStep}, weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        RpropUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), Increase, Decrease, MinStep, MaxStep, WeightDecay);

    private protected override void InitializeState() => StateBuffer(1).Fill(InitialStep);

    private protected override bool IsValidState(int buffer, float value) =>
        buffer == 0 ? value is -1f or 0f or 1f : value >= MinStep && value <= MaxStep;
}
