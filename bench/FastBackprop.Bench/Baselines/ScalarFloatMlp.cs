namespace FastBackprop.Bench.Baselines;

// ---------------------------------------------------------------------------------------------
// ScalarFloatMlp: the honest straightforward implementation the engine has to beat on tiny
// networks. Plain float loops, no vectors, no spans beyond array indexing, logistic units and
// half squared error only. Same parameter layout as Network (per layer: Units x Inputs row-major
// weights, then Units biases), so the engine's initial weights can be copied in bit for bit.
//
//   forward   net_k = b_k + Σ_j w_kj y_j,  y_k = 1 / (1 + e^-net_k)
//   output    delta_k = (y_k - d_k) y_k (1 - y_k),  E = ½ Σ (d_k - y_k)²
//   hidden    delta_j = (Σ_k delta_k w_kj) y_j (1 - y_j), with the weights before the update
//   update    w_kj -= eta delta_k y_j,  b_k -= eta delta_k
// ---------------------------------------------------------------------------------------------

/// <summary>Per-pattern SGD for a logistic MLP with half squared error, in plain scalar float loops.</summary>
public sealed class ScalarFloatMlp : LogisticMlpBaseline
{
    /// <summary>Creates the network with the given widths: input first, output last.</summary>
    public ScalarFloatMlp(params int[] widths)
        : base(widths)
    {
    }

    /// <summary>One online step on one pattern; returns E before the update.</summary>
    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target, float eta)
    {
        float[] p = Parameters;
        int layers = weightOffsets.Length;

        for (int l = 0; l < layers; l++)
        {
            int inputs = widths[l], units = widths[l + 1], w = weightOffsets[l], b = w + units * inputs;
            ReadOnlySpan<float> x = l == 0 ? input : outputs[l - 1];
            float[] y = outputs[l];
            for (int k = 0; k < units; k++)
            {
                float net = p[b + k];
                for (int j = 0; j < inputs; j++) net += p[w + k * inputs + j] * x[j];
                y[k] = 1f / (1f + MathF.Exp(-net));
            }
        }

        float[] yOut = outputs[layers - 1], dOut = deltas[layers - 1];
        float error = 0f;
        for (int k = 0; k < yOut.Length; k++)
        {
            float diff = yOut[k] - target[k];
            error += 0.5f * diff * diff;
            dOut[k] = diff * yOut[k] * (1f - yOut[k]);
        }

        for (int l = layers - 1; l >= 0; l--)
        {
            int inputs = widths[l], units = widths[l + 1], w = weightOffsets[l], b = w + units * inputs;
            ReadOnlySpan<float> x = l == 0 ? input : outputs[l - 1];
            float[] delta = deltas[l];
            if (l > 0) Array.Clear(backSums, 0, inputs);
            for (int k = 0; k < units; k++)
            {
                float dk = delta[k];
                int row = w + k * inputs;
                for (int j = 0; j < inputs; j++)
                {
                    backSums[j] += dk * p[row + j];       // s_j from the old weight
                    p[row + j] -= eta * dk * x[j];        // then the update
                }
                p[b + k] -= eta * dk;
            }
            if (l > 0)
            {
                float[] below = outputs[l - 1], deltaBelow = deltas[l - 1];
                for (int j = 0; j < inputs; j++) deltaBelow[j] = backSums[j] * below[j] * (1f - below[j]);
            }
        }
        return error;
    }
}
