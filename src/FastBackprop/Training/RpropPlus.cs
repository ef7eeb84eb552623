using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>What <see cref="RpropPlus"/> and <see cref="IrpropPlus"/> share: Rprop with weight backtracking (Igel and
/// Hüsken 2000). They differ in when a sign change takes the last step back: RPROP+ always, iRPROP+ only when the
/// error grew. Meant for full-batch training. See <see cref="RpropPlusUpdate"/> for the equations.</summary>
/// <remarks>The learning rate is validated but ignored. State: buffer 0 the step sizes (the initial step initially),
/// buffer 1 the last change of each weight (zero initially).</remarks>
public abstract class BacktrackingRprop : Optimizer
{
    private protected BacktrackingRprop(int parameterCount, float increase, float decrease, float minStep, float maxStep, float initialStep, float weightDecay)
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
        $"{Name} (increase {Increase}, decrease {Decrease}, min step {MinStep}, max step {MaxStep}, initial step {InitialStep}, weight decay {WeightDecay})");

    private protected abstract string Name { get; }

    /// <summary>Applies the step, taking back the last change at a sign change when <paramref name="backtrack"/>.</summary>
    private protected void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, bool backtrack) =>
        RpropPlusUpdate.Apply(parameters, gradient, StateBuffer(0), StateBuffer(1), backtrack, Increase, Decrease, MinStep, MaxStep, WeightDecay);

    private protected override void InitializeState() => StateBuffer(0).Fill(InitialStep);

    // A change is 0, or ± a step size that was in bounds.
    private protected override bool IsValidState(int buffer, float value) => buffer == 0
        ? value >= MinStep && value <= MaxStep
        : value == 0f || (Math.Abs(value) >= MinStep && Math.Abs(value) <= MaxStep);
}

/// <summary>RPROP+ (Riedmiller and Braun 1993, as Igel and Hüsken 2000 write it): Rprop whose sign changes take the
/// last weight change back.</summary>
public sealed class RpropPlus : BacktrackingRprop
{
    /// <summary>Creates the optimizer with the paper's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="increase">eta+, finite and &gt; 1.</param>
    /// <param name="decrease">eta-, in (0, 1).</param>
    /// <param name="minStep">Delta_min, finite and &gt; 0.</param>
    /// <param name="maxStep">Delta_max, finite and &gt;= <paramref name="minStep"/>.</param>
    /// <param name="initialStep">Delta_0, in [<paramref name="minStep"/>, <paramref name="maxStep"/>].</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public RpropPlus(int parameterCount, float increase = 1.2f, float decrease = 0.5f, float minStep = 1e-6f, float maxStep = 50f,
        float initialStep = 0.1f, float weightDecay = 0f)
        : base(parameterCount, increase, decrease, minStep, maxStep, initialStep, weightDecay)
    {
    }

    private protected override string Name => "rprop+";

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        Apply(parameters, gradient, backtrack: true);
}

/// <summary>iRPROP+ (Igel and Hüsken 2000): Rprop whose sign changes take the last weight change back only when the
/// error grew, E(t) &gt; E(t-1). Needs the loss: call
/// <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float, double, IObjective?)"/>.</summary>
/// <remarks>State besides the buffers: E(t-1), the loss of the previous step (+∞ before the first).</remarks>
public sealed class IrpropPlus : BacktrackingRprop
{
    private double previousLoss = double.PositiveInfinity;

    /// <summary>Creates the optimizer with the paper's defaults.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="increase">eta+, finite and &gt; 1.</param>
    /// <param name="decrease">eta-, in (0, 1).</param>
    /// <param name="minStep">Delta_min, finite and &gt; 0.</param>
    /// <param name="maxStep">Delta_max, finite and &gt;= <paramref name="minStep"/>.</param>
    /// <param name="initialStep">Delta_0, in [<paramref name="minStep"/>, <paramref name="maxStep"/>].</param>
    /// <param name="weightDecay">lambda, coupled; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public IrpropPlus(int parameterCount, float increase = 1.2f, float decrease = 0.5f, float minStep = 1e-6f, float maxStep = 50f,
        float initialStep = 0.1f, float weightDecay = 0f)
        : base(parameterCount, increase, decrease, minStep, maxStep, initialStep, weightDecay)
    {
    }

    /// <inheritdoc/>
    public override OptimizerInputs Requires => OptimizerInputs.GradientAndLoss;

    /// <summary>E(t-1): the loss given to the last step (+∞ before the first).</summary>
    internal double PreviousLoss => previousLoss;

    private protected override string Name => "irprop+";

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step, double loss, IObjective? objective)
    {
        Apply(parameters, gradient, backtrack: loss > previousLoss);
        previousLoss = loss;
    }

    private protected override void ExchangeHistory(ref StateSerializer s) => s.Double(ref previousLoss);

    private protected override void InitializeState()
    {
        base.InitializeState();
        previousLoss = double.PositiveInfinity;
    }

    private protected override string? InvalidState() =>
        double.IsNaN(previousLoss) || double.IsNegativeInfinity(previousLoss) ? $"the previous loss is {previousLoss}; expected a finite number or +∞." : base.InvalidState();
}
