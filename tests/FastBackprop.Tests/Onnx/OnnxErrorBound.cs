using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Tests.Onnx;

// ---------------------------------------------------------------------------------------------
// How far ONNX Runtime's outputs may lie from Model.Predict's, per output, for one raw input row:
// the float32 tolerance of the ONNX comparison tests, derived rather than chosen. u = 2^-24.
//
// Both compute the same formula in float; they differ in summation order and in their own exp,
// tanh, erf, ... So the bound is the sum, propagated through the layers, of:
//   scaling     (x - offset) * scale: the same two IEEE operations on both sides; u |x'| allowed in
//               case a runtime fuses them.
//   dense       net_k = Σ_j w_kj y_j + b_k in any order (blocked, FMA or not) is within γ(n+1) S_k of
//               the exact sum, S_k = Σ_j |w_kj| (|y_j| + e_j) + |b_k| (Higham, Accuracy and Stability,
//               3.1): two implementations differ by 2 γ(n+1) S_k; the inputs' own differences e_j
//               add Σ_j |w_kj| e_j.
//   f           element-wise: L e_net (L = sup |f'|, e^(net + e_net) for exp) for the difference
//               carried in, plus 16 u (|y| + |net| + 1) for the two implementations of f: each within
//               8 ulp of f, plus an absolute 8 u (|net| + 1) for the forms that lose relative accuracy
//               by design (the cancellation in GELU's 1 + erf and x σ(x), ONNX Runtime's logistic and
//               tanh that clamp far out); softmax: a shift of at most D in every net moves y_k by at
//               most y_k (e^(2D) - 1), plus 2 (n + 4) u y_k + u for the two roundings of e^x, Σ, /.
//   target      y * std + mean: std e + 2 u (|y std| + |mean|).
// Values are followed in double with the transfer functions' double forms; only magnitudes enter.
// ---------------------------------------------------------------------------------------------

/// <summary>The derived float32 bound on |ONNX Runtime - Model.Predict| per output.</summary>
internal static class OnnxErrorBound
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>The bound for each output of <paramref name="model"/> on raw input row <paramref name="raw"/>.</summary>
    public static double[] ForRow(Model model, ReadOnlySpan<float> raw)
    {
        (double[] y, double[] e) = Scaled(model.Scaling, raw);
        NetworkDefinition definition = model.Network.Definition;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is Dense dense) (y, e) = DenseLayer(model.Network, l, dense, y, e);
        }
        if (model.TargetScaling is TargetScaling target)
        {
            for (int k = 0; k < y.Length; k++)
            {
                double std = target.StandardDeviation[k], mean = target.Mean[k];
                e[k] = std * e[k] + 2 * U * (Math.Abs(y[k] * std) + Math.Abs(mean));
            }
        }
        return e;
    }

    private static (double[] Y, double[] E) Scaled(InputScaling? scaling, ReadOnlySpan<float> raw)
    {
        var y = new double[raw.Length];
        var e = new double[raw.Length];
        for (int j = 0; j < raw.Length; j++)
        {
            y[j] = scaling is null ? raw[j] : ((double)raw[j] - scaling.Offset[j]) * scaling.Scale[j];
            e[j] = scaling is null ? 0 : U * Math.Abs(y[j]);
        }
        return (y, e);
    }

    private static (double[] Y, double[] E) DenseLayer(Network network, int layer, Dense dense, double[] x, double[] ex)
    {
        ReadOnlySpan<float> w = network.GetWeights(layer), b = network.GetBiases(layer);
        int units = dense.Width, n = x.Length;
        var net = new double[units];
        var enet = new double[units];
        double gamma = Gamma(n + 1);
        for (int k = 0; k < units; k++)
        {
            double sum = b[k], magnitude = Math.Abs(b[k]), carried = 0;
            for (int j = 0; j < n; j++)
            {
                double wkj = w[k * n + j];
                sum += wkj * x[j];
                magnitude += Math.Abs(wkj) * (Math.Abs(x[j]) + ex[j]);
                carried += Math.Abs(wkj) * ex[j];
            }
            net[k] = sum;
            enet[k] = carried + 2 * gamma * magnitude;
        }
        var y = new double[units];
        dense.Transfer.Activate(net, y);
        return (y, dense.Transfer.IsElementwise ? Elementwise(dense.Transfer, net, enet, y) : Softmax(enet, y));
    }

    private static double[] Elementwise(TransferFunction f, double[] net, double[] enet, double[] y)
    {
        var e = new double[y.Length];
        for (int k = 0; k < y.Length; k++)
        {
            double lipschitz = f.Name == "exp" ? Math.Exp(net[k] + enet[k]) : Lipschitz(f);
            e[k] = lipschitz * enet[k] + 16 * U * (Math.Abs(y[k]) + Math.Abs(net[k]) + 1);
        }
        return e;
    }

    private static double[] Softmax(double[] enet, double[] y)
    {
        double shift = 0;
        foreach (double d in enet) shift = Math.Max(shift, d);
        var e = new double[y.Length];
        for (int k = 0; k < y.Length; k++) e[k] = y[k] * double.ExpM1(2 * shift) + 2 * (y.Length + 4) * U * y[k] + U;
        return e;
    }

    /// <summary>sup |f'| of the built-in element-wise functions (TransferCatalog's values, and the classic ones).</summary>
    private static double Lipschitz(TransferFunction f)
    {
        string name = f.Name;
        if (name.StartsWith("elu(", StringComparison.Ordinal)) return Math.Max(1.0, double.Parse(name[4..^1], System.Globalization.CultureInfo.InvariantCulture));
        return name switch
        {
            "logistic" => 0.25,
            "selu" => 1.7581,
            "gelu" or "gelu-tanh" => 1.13,
            "silu" => 1.1,
            "gaussian" => 0.86,
            _ => 1.0,   // tanh, relu, leaky-relu (slope < 1), identity, softplus, softsign, elliott, hard-tanh, sin
        };
    }

    // γ(m) = m u / (1 - m u).
    private static double Gamma(int m) => m * U / (1 - m * U);
}
