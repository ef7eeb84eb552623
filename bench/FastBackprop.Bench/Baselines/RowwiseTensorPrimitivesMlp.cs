using System.Numerics.Tensors;

namespace FastBackprop.Bench.Baselines;

// ---------------------------------------------------------------------------------------------
// RowwiseTensorPrimitivesMlp: what one writes first with System.Numerics.Tensors, one weight row
// at a time. The comparison for the engine's fused kernels on MNIST-sized layers.
//
//   forward   net_k = TensorPrimitives.Dot(W_k, y) + b_k;  y = Sigmoid(net)
//   output    delta = (y - d) ⊙ y ⊙ (1 - y)
//   backward  per row k: s += delta_k W_k (old row), then W_k += (-eta delta_k) y_below
//   hidden    delta_below = s ⊙ y_below ⊙ (1 - y_below);  b -= eta delta
// Logistic units and half squared error only; same parameter layout as Network.
// ---------------------------------------------------------------------------------------------

/// <summary>Per-pattern SGD for a logistic MLP with half squared error, row by row with TensorPrimitives.</summary>
public sealed class RowwiseTensorPrimitivesMlp : LogisticMlpBaseline
{
    private readonly float[] scratch;

    /// <summary>Creates the network with the given widths: input first, output last.</summary>
    public RowwiseTensorPrimitivesMlp(params int[] widths)
        : base(widths)
    {
        scratch = new float[widths.Max()];
    }

    /// <summary>One online step on one pattern; returns E before the update.</summary>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float eta)
    {
        Span<float> p = Parameters;
        int layers = weightOffsets.Length;

        for (int l = 0; l < layers; l++)
        {
            int inputs = widths[l], units = widths[l + 1], w = weightOffsets[l], b = w + units * inputs;
            ReadOnlySpan<float> x = l == 0 ? input : outputs[l - 1];
            Span<float> y = outputs[l];
            for (int k = 0; k < units; k++)
            {
                y[k] = TensorPrimitives.Dot(p.Slice(w + k * inputs, inputs), x) + p[b + k];
            }
            TensorPrimitives.Sigmoid(y, y);
        }

        Span<float> yOut = outputs[layers - 1], dOut = deltas[layers - 1];
        Span<float> tmp = scratch.AsSpan(0, yOut.Length);
        TensorPrimitives.Subtract(yOut, target, dOut);                  // y - d
        float error = 0.5f * TensorPrimitives.SumOfSquares(dOut);       // ½ Σ (d - y)²
        LogisticDerivativeTimes(yOut, dOut, tmp);

        for (int l = layers - 1; l >= 0; l--)
        {
            int inputs = widths[l], units = widths[l + 1], w = weightOffsets[l], b = w + units * inputs;
            ReadOnlySpan<float> x = l == 0 ? input : outputs[l - 1];
            ReadOnlySpan<float> delta = deltas[l];
            Span<float> s = backSums.AsSpan(0, inputs);
            if (l > 0) s.Clear();
            for (int k = 0; k < units; k++)
            {
                Span<float> row = p.Slice(w + k * inputs, inputs);
                if (l > 0) TensorPrimitives.MultiplyAdd(row, delta[k], s, s);   // s += delta_k W_k (old row)
                TensorPrimitives.MultiplyAdd(x, -eta * delta[k], row, row);     // W_k -= eta delta_k y
            }
            Span<float> bias = p.Slice(b, units);
            TensorPrimitives.MultiplyAdd(delta, -eta, bias, bias);             // b -= eta delta
            if (l > 0)
            {
                Span<float> deltaBelow = deltas[l - 1];
                s.CopyTo(deltaBelow);
                LogisticDerivativeTimes(outputs[l - 1], deltaBelow, scratch.AsSpan(0, inputs));
            }
        }
        return error;
    }

    // delta ⊙= y ⊙ (1 - y)
    private static void LogisticDerivativeTimes(ReadOnlySpan<float> y, Span<float> delta, Span<float> tmp)
    {
        TensorPrimitives.Subtract(1f, y, tmp);
        TensorPrimitives.Multiply(tmp, y, tmp);
        TensorPrimitives.Multiply(delta, tmp, delta);
    }
}
