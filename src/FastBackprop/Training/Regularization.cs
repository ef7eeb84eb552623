using System.Globalization;

namespace FastBackprop.Training;

/// <summary>Penalties on the weights and a norm constraint per unit, for <see cref="TrainingOptions.Regularization"/>:
/// L1 and L2 penalties, each on the weights only or on the weights and the biases, and max-norm.</summary>
/// <remarks>
/// <para><b>The penalty.</b> Training minimises the batch's mean loss plus
/// <c>P(w) = L1 · Σ|w_i| + (L2 / 2) · Σ w_i²</c> over the penalised parameters: the weights of every dense layer, and
/// its biases too when <see cref="PenalizeBiases"/> is set. So each step adds <c>L2 · w_i + L1 · sign(w_i)</c>
/// (sign(0) = 0) to the batch's mean gradient of each penalised parameter, after gradient clipping and before the
/// optimizer's update (where PyTorch's weight_decay enters), with every optimizer, plain SGD included. The penalty does
/// not depend on the batch size: a step of batch B sees the same penalty gradient as a step of batch 1.</para>
/// <para><b>Biases are not penalised by default</b>, as in scikit-learn's MLPClassifier/MLPRegressor (alpha penalises
/// coefs_, never intercepts_) and in Keras (kernel_regularizer and bias_regularizer are separate): a bias shifts a
/// unit's input range and does not make the function it computes less smooth, so shrinking it towards 0 biases the
/// fit without regularising it. Set <see cref="PenalizeBiases"/> for PyTorch's convention (weight_decay applies to
/// every parameter it is given).</para>
/// <para><b>Relation to the optimizers' weightDecay.</b> The coupled weight decay of <see cref="Sgd"/>,
/// <see cref="Adam"/>, <see cref="RmsProp"/> and the others adds <c>lambda · w</c> to the gradient of every
/// parameter, biases included, with the same fused multiply-add: so <c>L2 = lambda</c> with
/// <see cref="PenalizeBiases"/> set and the optimizer's weightDecay 0 gives the same bits as weightDecay = lambda.
/// Both may be set; they then add up. AdamW's decoupled decay is another rule (it shrinks w directly and does not
/// pass through Adam's moments) and is not equal to any L2 penalty.</para>
/// <para><b>Relation to scikit-learn's alpha.</b> scikit-learn adds <c>alpha · W / B</c> to the mean gradient of a
/// batch of B patterns (its loss: <c>+ 0.5 · alpha · ||W||² / B</c>), so its alpha corresponds to <c>L2 = alpha / B</c>
/// here with the same batch size (and to <c>alpha / n_samples</c> for its full-batch L-BFGS solver).</para>
/// <para><b>The reported loss</b> (<see cref="EpochReport.TrainingLoss"/>, the validation loss, <see cref="Trainer.Evaluate(Network, Data.Dataset)"/>)
/// is the data loss alone, without the penalty, so that training and validation figures compare directly (scikit-learn's
/// loss_ includes it); <see cref="Penalty"/> gives the penalty's value. The optimizers that read the loss (iRPROP+) or
/// evaluate an objective (L-BFGS, SCG, Levenberg-Marquardt) see the penalised loss, so that their value and gradient
/// belong to one function. Levenberg-Marquardt's Gauss-Newton matrix gains L2 on the diagonal of each penalised
/// parameter (the penalty's exact Hessian); L1's second derivative is 0 away from w = 0, so it adds none.</para>
/// <para><b>Max-norm</b> (<see cref="MaxNorm"/>, Srivastava et al. 2014, Keras's MaxNorm): after every update, each unit's
/// incoming weight vector (a row of its layer's weight block; the bias is not part of it) whose L2 norm exceeds c is
/// scaled down to norm c. It is a projection after the step, so the line-search and second-order optimizers, whose
/// curvature history assumes the weights they stepped to, refuse it.</para>
/// <para>With every value 0 (the default) training is exactly what it is without regularization.</para>
/// </remarks>
public sealed record Regularization
{
    /// <summary>lambda1, the L1 coefficient: the penalty <c>L1 · Σ|w|</c>, gradient <c>L1 · sign(w)</c>. Finite, &gt;= 0; 0 = off.</summary>
    public float L1 { get; init; }

    /// <summary>lambda2, the L2 coefficient: the penalty <c>(L2 / 2) · Σ w²</c>, gradient <c>L2 · w</c>. Finite, &gt;= 0; 0 = off.</summary>
    public float L2 { get; init; }

    /// <summary>Whether <see cref="L1"/> and <see cref="L2"/> penalise the biases as well as the weights; default false
    /// (weights only, scikit-learn's convention; see the remarks).</summary>
    public bool PenalizeBiases { get; init; }

    /// <summary>c, the largest L2 norm of a unit's incoming weight vector, enforced after every update; finite, &gt; 0,
    /// or 0 = off.</summary>
    public float MaxNorm { get; init; }

    /// <summary>Whether L1 or L2 is set (the step then adds the penalty's gradient).</summary>
    internal bool HasPenalty => L1 > 0 || L2 > 0;

    /// <summary>The penalty <c>P(w) = L1 · Σ|w_i| + (L2 / 2) · Σ w_i²</c> over the penalised parameters of
    /// <paramref name="network"/>'s current weights (0 when L1 and L2 are 0): what training adds to the mean loss.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    public double Penalty(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new ParameterPenalty(network.Definition, this).Value(network.Parameters);
    }

    /// <summary>E.g. "l1 0.0001, l2 0.001 (weights only), max-norm 3", or "none".</summary>
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (L1 > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"l1 {L1}"));
        if (L2 > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"l2 {L2}"));
        if (HasPenalty) parts[^1] += PenalizeBiases ? " (weights and biases)" : " (weights only)";
        if (MaxNorm > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"max-norm {MaxNorm}"));
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>Range checks; the names are those of <c>options.Regularization</c>'s members.</summary>
    internal void Validate()
    {
        Check(L1, nameof(L1));
        Check(L2, nameof(L2));
        Check(MaxNorm, nameof(MaxNorm));
    }

    private static void Check(float value, string member)
    {
        if (float.IsFinite(value) && value >= 0) return;
        string name = $"{nameof(TrainingOptions.Regularization)}.{member}";
        throw new ArgumentOutOfRangeException(name, value, $"{name} is {value.ToString(CultureInfo.InvariantCulture)}; expected a finite number, 0 (off) or more.");
    }
}
