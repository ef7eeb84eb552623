namespace FastBackprop.Training;

/// <summary>The function a line-search or second-order optimizer minimises, which it evaluates at trial parameters
/// of its own choosing: the mean loss E(w) over a fixed set of patterns (the trainer's current batch, or the whole
/// training set in full-batch training) and its gradient ∇E(w), in the layout of <see cref="Network.Parameters"/>.</summary>
/// <remarks>The role of PyTorch's <c>closure</c> in <c>optimizer.step(closure)</c>, as an interface so that a step
/// allocates nothing. An evaluation must be deterministic (the same parameters give the same bits), since a line
/// search compares values of one function; <see cref="Trainer.Fit"/> refuses these optimizers for networks with
/// dropout for that reason.</remarks>
public interface IObjective
{
    /// <summary>The number of parameters: the length of every span passed to <see cref="Evaluate"/>.</summary>
    int ParameterCount { get; }

    /// <summary>E(<paramref name="parameters"/>), and ∇E into <paramref name="gradient"/> unless it is empty.</summary>
    /// <param name="parameters">The trial parameters; length <see cref="ParameterCount"/>; not changed.</param>
    /// <param name="gradient">Empty for the loss alone, else <see cref="ParameterCount"/> floats, overwritten.</param>
    /// <returns>The mean loss; NaN or +∞ (never an exception) when the trial parameters make it overflow, which a
    /// line search treats as "too far".</returns>
    double Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient);
}

/// <summary>An <see cref="IObjective"/> that can also give the generalized Gauss-Newton matrix of its loss, which
/// Levenberg-Marquardt solves with.</summary>
public interface IGaussNewtonObjective : IObjective
{
    /// <summary>At <paramref name="parameters"/>: the generalized Gauss-Newton matrix G = (1/N) Σ_p J_pᵀ H_p J_p,
    /// where J_p is the Jacobian of pattern p's network outputs (net sums for the cross-entropies) and H_p the Hessian
    /// of its loss with respect to them, into <paramref name="packedMatrix"/>; the gradient ∇E = (1/N) Σ_p J_pᵀ r_p into
    /// <paramref name="gradient"/>; and E.</summary>
    /// <param name="parameters">The point; length <see cref="IObjective.ParameterCount"/> (P).</param>
    /// <param name="packedMatrix">G's lower triangle packed row by row (element (i, j), j ≤ i, at i(i+1)/2 + j):
    /// P(P+1)/2 doubles, overwritten.</param>
    /// <param name="gradient">P doubles, overwritten.</param>
    /// <returns>The mean loss E (NaN or +∞ when it overflows).</returns>
    double EvaluateGaussNewton(ReadOnlySpan<float> parameters, Span<double> packedMatrix, Span<double> gradient);
}

/// <summary>What an optimizer's step needs besides the gradient at the current parameters (<see cref="Optimizer.Requires"/>).</summary>
public enum OptimizerInputs
{
    /// <summary>The gradient alone: <see cref="Optimizer.Step(Span{float}, ReadOnlySpan{float}, float)"/> serves
    /// (SGD, momentum, Adam, AdamW, RMSProp, iRPROP-, Quickprop, RPROP+, AdaGrad, Adamax, NAdam, RAdam).</summary>
    Gradient,

    /// <summary>The gradient and the loss at the current parameters (iRPROP+, which backtracks when the loss grew).</summary>
    GradientAndLoss,

    /// <summary>The gradient, the loss and an <see cref="IObjective"/> to evaluate trial points (L-BFGS, scaled
    /// conjugate gradient).</summary>
    Objective,

    /// <summary>As <see cref="Objective"/>, with an <see cref="IGaussNewtonObjective"/> (Levenberg-Marquardt).</summary>
    GaussNewtonObjective,
}
