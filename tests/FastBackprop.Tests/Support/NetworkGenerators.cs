using FsCheck;
using FsCheck.Fluent;

namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// NetworkGenerators: random whole networks for the network-level properties.
//
// FsCheck generates only the *shape* (depth, widths, transfer functions, loss) and two seeds;
// weights, biases, input and target are then drawn from SeededRandom. A counterexample is thus
// printed as one short line (the definition and the seeds) and replays bit for bit, and FsCheck
// never feeds NaN/∞ (its default float arbitrary does, one sample in eight: STYLE.md B).
// ---------------------------------------------------------------------------------------------

/// <summary>The transfer functions a generated layer may use.</summary>
public enum TransferKind
{
    Logistic,
    Tanh,
    Relu,
    LeakyRelu,
    Identity,
    Softmax,
}

/// <summary>One generated test case: a network shape plus the seeds of its numbers.</summary>
/// <param name="Definition">The network shape.</param>
/// <param name="WeightSeed">Seed for <see cref="Network.InitializeWeights(ulong)"/>.</param>
/// <param name="DataSeed">Seed for the biases, the input and the target.</param>
public sealed record NetworkCase(NetworkDefinition Definition, ulong WeightSeed, ulong DataSeed)
{
    /// <summary>A network with weights from <see cref="Network.InitializeWeights(ulong)"/>(WeightSeed) and
    /// biases drawn from U(-0.5, 0.5): InitializeWeights zeroes the biases, which would hide every
    /// bias bug from a comparison.</summary>
    public Network CreateNetwork()
    {
        var network = new Network(Definition);
        network.InitializeWeights(WeightSeed);
        var random = new SeededRandom(DataSeed ^ 0xB1A5B1A5B1A5B1A5UL);
        for (int l = 0; l < Definition.LayerCount; l++)
        {
            Span<float> biases = network.GetBiases(l);
            for (int k = 0; k < biases.Length; k++) biases[k] = random.NextSymmetric(0.5f);
        }
        return network;
    }

    /// <summary>InputWidth values from U(-1, 1).</summary>
    public float[] CreateInput()
    {
        var random = new SeededRandom(DataSeed);
        var input = new float[Definition.InputWidth];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSymmetric(1f);
        return input;
    }

    /// <summary>A target that suits the loss: any value in (-1, 1) for the half squared error,
    /// a probability vector for softmax cross-entropy, values in [0, 1] for logistic cross-entropy.</summary>
    public float[] CreateTarget()
    {
        var random = new SeededRandom(DataSeed ^ 0x7A5E7A5E7A5E7A5EUL);
        var target = new float[Definition.OutputWidth];
        if (Definition.Loss == Loss.HalfSquaredError)
        {
            for (int k = 0; k < target.Length; k++) target[k] = random.NextSymmetric(1f);
        }
        else if (((Dense)Definition.Layers[^1]).Transfer.Name == "softmax")
        {
            // Half the cases one-hot (classification), half a soft label summing to 1.
            if ((random.NextUInt64() & 1) == 0)
            {
                target[random.NextInt32(target.Length)] = 1f;
            }
            else
            {
                // Soft labels c_k / 1024 with Σ c_k = 1024: exact in float and double, so Σ d_k = 1
                // holds exactly, which ∂E/∂net_k = y_k - d_k assumes (float-rounded normalised targets
                // would miss 1 by ~1e-7 and shift the true gradient by that much).
                for (int unit = 0; unit < 1024; unit++) target[random.NextInt32(target.Length)] += 1f;
                for (int k = 0; k < target.Length; k++) target[k] /= 1024f;
            }
        }
        else
        {
            for (int k = 0; k < target.Length; k++) target[k] = random.NextSingle();
        }
        return target;
    }

    /// <summary>One short replayable line: shape and seeds.</summary>
    public override string ToString() => $"{Definition} weightSeed={WeightSeed} dataSeed={DataSeed}";
}

/// <summary>Generators of network shapes and cases.</summary>
public static class NetworkGenerators
{
    /// <summary>A TransferFunction for <paramref name="kind"/>; <paramref name="slope"/> is used by leaky ReLU.</summary>
    public static TransferFunction Create(TransferKind kind, float slope) => kind switch
    {
        TransferKind.Logistic => TransferFunction.Logistic,
        TransferKind.Tanh => TransferFunction.Tanh,
        TransferKind.Relu => TransferFunction.Relu,
        TransferKind.LeakyRelu => TransferFunction.LeakyRelu(slope),
        TransferKind.Identity => TransferFunction.Identity,
        TransferKind.Softmax => TransferFunction.Softmax,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Widths 1..<paramref name="maxWidth"/>, weighted towards small and vector-edge sizes
    /// (1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64 cover every tail of 4/8/16-lane vectors).</summary>
    public static Gen<int> Width(int maxWidth)
    {
        int[] edges = new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64 }.Where(w => w <= maxWidth).ToArray();
        return Gen.Frequency(
            (3, Gen.Choose(1, Math.Min(8, maxWidth))),
            (3, Gen.Choose(1, maxWidth)),
            (2, Gen.Elements(edges)));
    }

    /// <summary>Slopes for leaky ReLU in [0.001, 0.999].</summary>
    public static Gen<float> Slope { get; } = Gen.Choose(1, 999).Select(i => i / 1000f);

    private static readonly TransferKind[] HiddenKinds =
        [TransferKind.Logistic, TransferKind.Tanh, TransferKind.Relu, TransferKind.LeakyRelu, TransferKind.Identity];

    private static readonly TransferKind[] HalfSquaredErrorOutputKinds =
        [TransferKind.Logistic, TransferKind.Tanh, TransferKind.Relu, TransferKind.LeakyRelu, TransferKind.Identity, TransferKind.Softmax];

    /// <summary>A valid definition: 1..<paramref name="maxDepth"/> layers of width 1..<paramref name="maxWidth"/>;
    /// hidden layers logistic, tanh, ReLU, leaky ReLU or identity; the half squared error with any output
    /// function (softmax included) or cross-entropy with a softmax or logistic output.</summary>
    public static Gen<NetworkDefinition> Definitions(int maxDepth = 5, int maxWidth = 64) =>
        from depth in Gen.Choose(1, maxDepth)
        from inputWidth in Width(maxWidth)
        from widths in Width(maxWidth).ArrayOf(depth)
        from hidden in Gen.Elements(HiddenKinds).ArrayOf(depth - 1)
        from slopes in Slope.ArrayOf(depth)
        from loss in Gen.Elements(Loss.HalfSquaredError, Loss.CrossEntropy)
        from output in loss == Loss.CrossEntropy
            ? Gen.Elements(TransferKind.Softmax, TransferKind.Logistic)
            : Gen.Elements(HalfSquaredErrorOutputKinds)
        select Build(inputWidth, widths, [.. hidden, output], slopes, loss);

    /// <summary>Tiny definitions (the lane engine's register-resident passes): 1-4 layers, every width 1-4, every layer
    /// logistic or every layer tanh, with the half squared error or a built-in loss that takes that output function
    /// (cross-entropy and binary cross-entropy over logistic, MSE over logistic, MAE and Huber over tanh).</summary>
    public static Gen<NetworkDefinition> TinyDefinitions() =>
        from depth in Gen.Choose(1, 4)
        from widths in Gen.Choose(1, 4).ArrayOf(depth + 1)
        from tanh in Gen.Elements(false, true)
        from pick in Gen.Choose(0, 1000)
        select Tiny(widths, tanh ? TransferFunction.Tanh : TransferFunction.Logistic, pick);

    private static NetworkDefinition Tiny(int[] widths, TransferFunction f, int pick)
    {
        LossPairing[] losses = [new(Loss.HalfSquaredError, f), .. LossCatalog.Pairings.Where(pairing => pairing.Output == f)];
        var layers = new Layer[widths.Length - 1];
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(widths[l + 1], f);
        return new NetworkDefinition(widths[0], losses[pick % losses.Length].Loss, layers);
    }

    /// <summary>As <see cref="Definitions"/>, with a dropout layer (rate 0.05 to 0.9) after the input and after each hidden
    /// layer, each with probability one half, and at least one in every definition.</summary>
    public static Gen<NetworkDefinition> DefinitionsWithDropout(int maxDepth = 4, int maxWidth = 48) =>
        from definition in Definitions(maxDepth, maxWidth)
        from rates in Gen.Choose(5, 90).Select(i => i / 100f).ArrayOf(definition.LayerCount)
        from coins in Gen.Choose(0, 1).ArrayOf(definition.LayerCount)
        from forced in Gen.Choose(0, definition.LayerCount - 1)
        select WithDropout(definition, rates, coins, forced);

    /// <summary>Cases of <see cref="DefinitionsWithDropout"/>.</summary>
    public static Arbitrary<NetworkCase> CaseWithDropoutArbitrary(int maxDepth = 4, int maxWidth = 48) =>
        (from definition in DefinitionsWithDropout(maxDepth, maxWidth)
         from weightSeed in Seed
         from dataSeed in Seed
         select new NetworkCase(definition, weightSeed, dataSeed)).ToArbitrary();

    // A dropout layer before dense layer l where coins[l] is 1, or l == forced.
    private static NetworkDefinition WithDropout(NetworkDefinition definition, float[] rates, int[] coins, int forced)
    {
        var layers = new List<Layer>();
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (coins[l] == 1 || l == forced) layers.Add(new Dropout(rates[l]));
            layers.Add(definition.Layers[l]);
        }
        return new NetworkDefinition(definition.InputWidth, definition.Loss, [.. layers]);
    }

    private static readonly TransferFunction[] OldElementwise =
        [TransferFunction.Logistic, TransferFunction.Tanh, TransferFunction.Relu, TransferFunction.LeakyRelu(0.1f), TransferFunction.Identity];

    /// <summary>Networks that mix the new functions (TransferCatalog.NewFunctions) with the old: 1..<paramref name="maxDepth"/>
    /// layers, each hidden layer any element-wise function, the output one too with the half squared error (softmax or
    /// logistic with cross-entropy), and at least one layer a new function.</summary>
    public static Arbitrary<NetworkCase> MixedCaseArbitrary(int maxDepth = 4, int maxWidth = 40) =>
        (from depth in Gen.Choose(1, maxDepth)
         from inputWidth in Width(maxWidth)
         from widths in Width(maxWidth).ArrayOf(depth)
         from hidden in Gen.Elements([.. OldElementwise, .. TransferCatalog.NewFunctions]).ArrayOf(depth)
         from forced in Gen.Elements(TransferCatalog.NewFunctions)
         from forcedAt in Gen.Choose(0, depth - 1)
         from crossEntropy in Gen.Choose(0, 2)
         from ceOutput in Gen.Elements(TransferFunction.Softmax, TransferFunction.Logistic)
         from weightSeed in Seed
         from dataSeed in Seed
         select new NetworkCase(Mixed(inputWidth, widths, hidden, forced, forcedAt, crossEntropy == 0 && depth > 1 ? ceOutput : null), weightSeed, dataSeed))
        .ToArbitrary();

    // The layers of MixedCaseArbitrary: functions[l] in layer l, the forced new one at forcedAt, and a cross-entropy output if given.
    private static NetworkDefinition Mixed(int inputWidth, int[] widths, TransferFunction[] functions, TransferFunction forced, int forcedAt, TransferFunction? ceOutput)
    {
        var layers = new Layer[widths.Length];
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(widths[l], l == forcedAt ? forced : functions[l]);
        if (ceOutput is null) return new NetworkDefinition(inputWidth, Loss.HalfSquaredError, layers);
        if (forcedAt == layers.Length - 1) layers[0] = new Dense(widths[0], forced);
        layers[^1] = new Dense(ceOutput == TransferFunction.Softmax ? Math.Max(2, widths[^1]) : widths[^1], ceOutput);
        return new NetworkDefinition(inputWidth, Loss.CrossEntropy, layers);
    }

    /// <summary>A definition plus two random 64-bit seeds.</summary>
    public static Gen<NetworkCase> Cases(int maxDepth = 5, int maxWidth = 64) =>
        from definition in Definitions(maxDepth, maxWidth)
        from weightSeed in Seed
        from dataSeed in Seed
        select new NetworkCase(definition, weightSeed, dataSeed);

    /// <summary>Arbitrary (no shrinking: a case is already one line, and shrinking a shape would
    /// re-draw every number anyway).</summary>
    public static Arbitrary<NetworkCase> CaseArbitrary(int maxDepth = 5, int maxWidth = 64) =>
        Cases(maxDepth, maxWidth).ToArbitrary();

    /// <summary>Uniform 64-bit seeds, from 31 + 31 + 2 random bits.</summary>
    public static Gen<ulong> Seed { get; } =
        from a in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(0, int.MaxValue)
        from c in Gen.Choose(0, 3)
        select ((ulong)(uint)a << 33) | ((ulong)(uint)b << 2) | (uint)c;

    private static NetworkDefinition Build(int inputWidth, int[] widths, TransferKind[] kinds, float[] slopes, Loss loss)
    {
        var layers = new Layer[widths.Length];
        if (kinds[^1] == TransferKind.Softmax && widths[^1] == 1) widths[^1] = 2;   // softmax over one unit is rejected
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(widths[l], Create(kinds[l], slopes[l]));
        return new NetworkDefinition(inputWidth, loss, layers);
    }

    /// <summary>The parameters as doubles (exact: every float is a double).</summary>
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
