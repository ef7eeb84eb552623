using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>A user-defined transfer function that is not element-wise (each output depends on the whole layer)
/// runs one pattern's row at a time in a batch, as softmax does; before, the batch applied it across the
/// whole block, mixing patterns.</summary>
public class CustomTransferFunctionTests
{
    /// <summary>y_k = net_k / (1 + Σ_j |net_j|): every output depends on every net sum of the layer (ThreadingTests
    /// uses it too: a user-defined function that is not element-wise).</summary>
    internal sealed class Shrink : TransferFunction
    {
        public override string Name => "shrink";

        public override void Activate(ReadOnlySpan<float> net, Span<float> output)
        {
            float norm = 1f;
            foreach (float x in net) norm += MathF.Abs(x);
            for (int k = 0; k < net.Length; k++) output[k] = net[k] / norm;
        }

        public override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
        {
            // ∂y_k/∂net_i = (δ_ki - y_k sign(net_i)) / n, so delta_i = (g_i - sign(net_i) Σ_k g_k y_k) / n
            float norm = 1f, gy = 0f;
            for (int k = 0; k < net.Length; k++)
            {
                norm += MathF.Abs(net[k]);
                gy += delta[k] * output[k];
            }
            for (int i = 0; i < net.Length; i++) delta[i] = (delta[i] - MathF.Sign(net[i]) * gy) / norm;
        }

        public override void Activate(ReadOnlySpan<double> net, Span<double> output)
        {
            double norm = 1;
            foreach (double x in net) norm += Math.Abs(x);
            for (int k = 0; k < net.Length; k++) output[k] = net[k] / norm;
        }

        public override void MultiplyByDerivative(ReadOnlySpan<double> net, ReadOnlySpan<double> output, ReadOnlySpan<double> dEdy, Span<double> delta)
        {
            double norm = 1, gy = 0;
            for (int k = 0; k < net.Length; k++)
            {
                norm += Math.Abs(net[k]);
                gy += dEdy[k] * output[k];
            }
            for (int i = 0; i < net.Length; i++) delta[i] = (dEdy[i] - Math.Sign(net[i]) * gy) / norm;
        }
    }

    [Fact]
    public void Batch_AppliesANonElementwiseFunction_RowByRow()
    {
        var network = new Network(5, Loss.HalfSquaredError, new Dense(20, new Shrink()), new Dense(3, TransferFunction.Identity));
        network.InitializeWeights(3);
        const int Rows = 7;
        var random = new SeededRandom(9);
        var inputs = new float[Rows * 5];
        var targets = new float[Rows * 3];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSymmetric(2f);
        for (int i = 0; i < targets.Length; i++) targets[i] = random.NextSymmetric(1f);
        using BatchWorkspace ws = network.CreateBatchWorkspace(Rows);
        var outputs = new float[Rows * 3];
        network.PredictBatch(inputs, outputs, ws);
        var gradient = new float[network.Definition.ParameterCount];
        network.BackpropagateBatch(inputs, targets, gradient, ws);

        double[] parameters = NetworkGenerators.ToDouble(network.Parameters);
        var mean = new double[gradient.Length];
        for (int p = 0; p < Rows; p++)
        {
            double[] x = NetworkGenerators.ToDouble(inputs.AsSpan(p * 5, 5)), d = NetworkGenerators.ToDouble(targets.AsSpan(p * 3, 3));
            ReferencePass pass = ReferenceBackprop.Run(network.Definition, parameters, x, d);
            for (int k = 0; k < 3; k++) Assert.Equal(pass.Outputs[^1][k], outputs[p * 3 + k], 1e-5);
            for (int i = 0; i < mean.Length; i++) mean[i] += pass.Gradient[i] / Rows;
        }
        for (int i = 0; i < mean.Length; i++) Assert.Equal(mean[i], gradient[i], 1e-5);
    }
}
