using FsCheck;
using FsCheck.Fluent;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// Every built-in loss, each with the output functions it takes, and targets that suit it: for the
// loss-level properties (LossProperties) and the whole-network ones (LossNetworkProperties).
// ---------------------------------------------------------------------------------------------

/// <summary>One loss with one output function it accepts.</summary>
/// <param name="Loss">The loss.</param>
/// <param name="Output">The output layer's transfer function.</param>
public sealed record LossPairing(Loss Loss, TransferFunction Output)
{
    /// <summary>E.g. "huber(0.3) over tanh".</summary>
    public override string ToString() => $"{Loss.Name} over {Output.Name}";

    /// <summary>Targets this loss accepts (DatasetChecks.Targets): a distribution for softmax cross-entropy (one-hot half
    /// the time; else c_k / 1024, exact in float, so that Σ d = 1 holds exactly), [0, 1] for the logistic cross-entropies,
    /// counts 0..5 or rates in [0, 4) for Poisson, (-2, 2) otherwise (a distribution over softmax outputs).</summary>
    public float[] Targets(int width, SeededRandom random)
    {
        var target = new float[width];
        if (Output is SoftmaxFunction)
        {
            if ((random.NextUInt64() & 1) == 0) target[random.NextInt32(width)] = 1f;
            else
            {
                for (int unit = 0; unit < 1024; unit++) target[random.NextInt32(width)] += 1f;
                for (int k = 0; k < width; k++) target[k] /= 1024f;
            }
        }
        else if (Output is LogisticFunction) for (int k = 0; k < width; k++) target[k] = random.NextSingle();
        else if (Output is ExponentialFunction) for (int k = 0; k < width; k++) target[k] = (random.NextUInt64() & 1) == 0 ? random.NextInt32(6) : 4 * random.NextSingle();
        else for (int k = 0; k < width; k++) target[k] = random.NextSymmetric(2f);
        return target;
    }
}

/// <summary>The built-in losses and their output functions, for the generators.</summary>
internal static class LossCatalog
{
    /// <summary>Every built-in loss with each kind of output function it takes.</summary>
    public static LossPairing[] Pairings { get; } =
    [
        new(Loss.HalfSquaredError, TransferFunction.Identity), new(Loss.HalfSquaredError, TransferFunction.Tanh), new(Loss.HalfSquaredError, TransferFunction.Softmax),
        new(Loss.CrossEntropy, TransferFunction.Softmax), new(Loss.CrossEntropy, TransferFunction.Logistic),
        new(Loss.CategoricalCrossEntropy(0.1f), TransferFunction.Softmax), new(Loss.CategoricalCrossEntropy(0.35f), TransferFunction.Softmax),
        new(Loss.BinaryCrossEntropy, TransferFunction.Logistic),
        new(Loss.MeanSquaredError, TransferFunction.Identity), new(Loss.MeanSquaredError, TransferFunction.Logistic), new(Loss.MeanSquaredError, TransferFunction.Softmax),
        new(Loss.MeanAbsoluteError, TransferFunction.Identity), new(Loss.MeanAbsoluteError, TransferFunction.Tanh),
        new(Loss.Huber(), TransferFunction.Identity), new(Loss.Huber(0.3f), TransferFunction.Tanh), new(Loss.Huber(2.5f), TransferFunction.Identity),
        new(Loss.Poisson, TransferFunction.Exp),
    ];

    /// <summary>A pairing, uniformly.</summary>
    public static Gen<LossPairing> Pairing { get; } = Gen.Elements(Pairings);

    /// <summary>As <see cref="NetworkGenerators.Definitions"/>, with the output layer and loss replaced by a random pairing
    /// (softmax over at least 2 units).</summary>
    public static Gen<NetworkDefinition> Definitions(int maxDepth, int maxWidth) =>
        from definition in NetworkGenerators.Definitions(maxDepth, maxWidth)
        from pairing in Pairing
        select WithLoss(definition, pairing);

    /// <summary>Cases of <see cref="Definitions"/> with two seeds.</summary>
    public static Arbitrary<NetworkCase> CaseArbitrary(int maxDepth = 4, int maxWidth = 40) =>
        (from definition in Definitions(maxDepth, maxWidth)
         from weightSeed in NetworkGenerators.Seed
         from dataSeed in NetworkGenerators.Seed
         select new NetworkCase(definition, weightSeed, dataSeed)).ToArbitrary();

    /// <summary>The pairing of a definition made by <see cref="Definitions"/>.</summary>
    public static LossPairing PairingOf(NetworkDefinition definition) => new(definition.Loss, definition.OutputLayer.Transfer);

    private static NetworkDefinition WithLoss(NetworkDefinition definition, LossPairing pairing)
    {
        Layer[] layers = definition.Layers.ToArray();
        int width = ((Dense)layers[^1]).Width;
        layers[^1] = new Dense(pairing.Output is SoftmaxFunction ? Math.Max(2, width) : width, pairing.Output);
        return new NetworkDefinition(definition.InputWidth, pairing.Loss, layers);
    }

    /// <summary>Condition scales of the output signal for the ∂E/∂y losses other than the half squared error: g_k = S(y_k)
    /// + |d_k| becomes (2 g_k + 1) / K (mse's 2 r / K, huber's clamp(r) / K, mae's exact ±1 / K, which the layers below
    /// scale); returns the scale of E, |E| + Σ (g_k² + g_k) / K.</summary>
    public static double SignalScales(double[] g, double error)
    {
        double scale = Math.Abs(error);
        for (int k = 0; k < g.Length; k++)
        {
            scale += (g[k] * g[k] + g[k]) / g.Length;
            g[k] = (2 * g[k] + 1) / g.Length;
        }
        return scale;
    }
}
