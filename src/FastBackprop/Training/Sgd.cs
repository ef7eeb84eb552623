using FastBackprop.Kernels;

namespace FastBackprop.Training;

/// <summary>Stochastic gradient descent: the derivation's <c>w -= eta dE/dw</c>, optionally with heavy-ball or
/// Nesterov momentum (torch.optim.SGD, dampening 0) and coupled L2 weight decay. See <see cref="SgdUpdate"/> and
/// <see cref="MomentumUpdate"/> for the equations.</summary>
/// <remarks>State: with momentum, one buffer, the velocity v (zero initially); without, none.</remarks>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameterCount">The length of the parameter buffer; at least 1.</param>
    /// <param name="momentum">mu, in [0, 1); 0 is plain SGD with no state.</param>
    /// <param name="nesterov">Nesterov momentum instead of the heavy ball (no effect when <paramref name="momentum"/> is 0,
    /// where both reduce to plain SGD).</param>
    /// <param name="weightDecay">lambda, the coupled L2 coefficient added to the gradient as lambda w; finite, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is NaN or outside its range.</exception>
    public Sgd(int parameterCount, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
        : base(parameterCount, HyperParameter.UnitInterval(momentum, nameof(momentum)) > 0f ? 1 : 0)
    {
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = HyperParameter.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>mu.</summary>
    public float Momentum { get; }

    /// <summary>Whether the momentum step is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>lambda.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant(
        $"{(Momentum == 0 ? "sgd" : Nesterov ? "nesterov" : "momentum")} ({(Momentum == 0 ? "" : $"momentum {Momentum}, ")}weight decay {WeightDecay})");

    private protected override void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step)
    {
        if (BufferCount == 0)
        {
            SgdUpdate.Apply(parameters, gradient, learningRate, WeightDecay);
        }
        else
        {
            MomentumUpdate.Apply(parameters, gradient, StateBuffer(0), learningRate, Momentum, Nesterov, WeightDecay);
        }
    }
}
