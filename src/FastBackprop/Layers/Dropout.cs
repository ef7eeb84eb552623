using System.Globalization;
using System.Numerics.Tensors;

namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Dropout, inverted (Srivastava et al. 2014, as torch.nn.Dropout): in a training pass each value
// is kept with probability 1 - p and scaled by 1 / (1 - p), or set to 0, so the expected output
// equals the input and inference is the identity with no rescaling.
//
//   training   m_i = u_i < p ? 0 : 1 / (1 - p), u_i uniform in [0, 1) from the pass's generator
//              y_i = x_i m_i;   ∂E/∂x_i = ∂E/∂y_i m_i
//   inference  y = x
//
// The scaled mask m is the layer's state between forward and backward (Workspace.GetDropoutMask).
// ---------------------------------------------------------------------------------------------

/// <summary>Inverted dropout: during training each value is zeroed with probability <see cref="Rate"/> and the
/// survivors are scaled by 1 / (1 - Rate); at inference (Predict, ComputeLoss, evaluation) the layer is the
/// identity. It has no parameters and as many outputs as inputs. Masks are drawn from the workspace's
/// <see cref="Workspace.Random"/> (<see cref="BatchWorkspace.Random"/>), so a seeded run draws the same masks every time.</summary>
public sealed class Dropout : Layer
{
    /// <summary>Creates a dropout layer.</summary>
    /// <param name="rate">p, the probability that a value is dropped; in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is NaN or outside [0, 1).</exception>
    public Dropout(float rate)
    {
        if (!(rate >= 0f && rate < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"rate is {rate}; expected a probability in [0, 1).");
        }
        Rate = rate;
    }

    /// <summary>p, the probability that a value is dropped in a training pass.</summary>
    public float Rate { get; }

    /// <summary>E.g. "dropout(0.2)".</summary>
    public override string ToString() => "dropout(" + Rate.ToString("R", CultureInfo.InvariantCulture) + ")";

    /// <summary>Equal when the rates are equal.</summary>
    public override bool Equals(object? obj) => obj is Dropout other && other.Rate.Equals(Rate);

    /// <inheritdoc/>
    public override int GetHashCode() => Rate.GetHashCode();

    internal override long CountParameters(int inputs) => 0;

    internal override LayerLayout Place(int inputs, int offset) => LayerLayout.WithoutParameters(inputs, offset);

    internal override void Forward(in LayerPass pass) => ForwardBatch(pass);

    internal override void Backward(in LayerPass pass, in ParameterUpdate update) => BackwardBatch(pass, update);

    internal override void ForwardBatch(in LayerPass pass)
    {
        if (pass.Random is null)
        {
            pass.Input.CopyTo(pass.Output);   // inference: the identity
            return;
        }
        DrawMask(pass.Random, pass.State);
        TensorPrimitives.Multiply(pass.Input, pass.State, pass.Output);
    }

    internal override void BackwardBatch(in LayerPass pass, in ParameterUpdate update)
    {
        if (!pass.InputGradient.IsEmpty) TensorPrimitives.Multiply(pass.OutputGradient, pass.State, pass.InputGradient);
    }

    // m_i = u_i < p ? 0 : 1 / (1 - p), with u_i = 24 random bits / 2^24: a value survives with probability
    // 1 - ceil(p 2^24) / 2^24, which is 1 - p to within 2^-24.
    private void DrawMask(SeededRandom random, Span<float> mask)
    {
        float keep = 1f / (1f - Rate);
        for (int i = 0; i < mask.Length; i++) mask[i] = random.NextSingle() < Rate ? 0f : keep;
    }
}
