namespace FastBackprop.Cli;

/// <summary>One of the demo's networks after training: the error trace and the final outputs.</summary>
internal sealed record DemoRun(string Title, NetworkDefinition Definition, ulong Seed, IReadOnlyList<DemoError> Errors, IReadOnlyList<DemoPattern> Patterns);

/// <summary>The summed error over the patterns after <see cref="Epoch"/> epochs.</summary>
internal sealed record DemoError(int Epoch, double Error);

/// <summary>A training pattern with the trained network's output for it.</summary>
internal sealed record DemoPattern(float[] Input, float[] Target, float[] Output);

/// <summary>The derivation's networks trained online, step by step: XOR on a 2-2-1 logistic
/// network, then the 2-4-3-2 logistic network, both with half squared error and eta 0.5.</summary>
internal static class Demo
{
    public const float LearningRate = 0.5f;

    public static IReadOnlyList<DemoRun> Run()
    {
        // XOR: the classic problem a single layer cannot solve.
        float[][] xorInputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
        float[][] xorTargets = [[0], [1], [1], [0]];
        DemoRun xor = Train("XOR, 2-2-1", inputWidth: 2, [2, 1], xorInputs, xorTargets, seed: 3, epochs: 4000, reportEvery: 400);

        // The derivation's 2-4-3-2 network: two inputs in [-1, 1], two outputs,
        // d1 = "both inputs positive", d2 = "inputs of the same sign", targets kept in [0.1, 0.9].
        float[][] inputs = [[-0.8f, -0.6f], [-0.7f, 0.9f], [0.6f, -0.5f], [0.9f, 0.7f], [0.2f, 0.3f], [-0.3f, -0.2f], [0.4f, -0.9f], [-0.5f, 0.4f]];
        var targets = new float[inputs.Length][];
        for (int p = 0; p < inputs.Length; p++)
        {
            bool bothPositive = inputs[p][0] > 0 && inputs[p][1] > 0;
            bool sameSign = inputs[p][0] * inputs[p][1] > 0;
            targets[p] = [bothPositive ? 0.9f : 0.1f, sameSign ? 0.9f : 0.1f];
        }
        DemoRun derivation = Train("2-4-3-2", inputWidth: 2, [4, 3, 2], inputs, targets, seed: 1, epochs: 3000, reportEvery: 300);
        return [xor, derivation];
    }

    private static DemoRun Train(string title, int inputWidth, int[] widths, float[][] inputs, float[][] targets, ulong seed, int epochs, int reportEvery)
    {
        var layers = new Layer[widths.Length];
        for (int l = 0; l < widths.Length; l++) layers[l] = new Dense(widths[l], TransferFunction.Logistic);
        var network = new Network(inputWidth, Loss.HalfSquaredError, layers);
        network.InitializeWeights(seed);

        var errors = new List<DemoError>();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            double error = 0;
            for (int p = 0; p < inputs.Length; p++) error += network.TrainStep(inputs[p], targets[p], LearningRate);
            if (epoch == 1 || epoch % reportEvery == 0) errors.Add(new DemoError(epoch, error));
        }

        var patterns = new List<DemoPattern>();
        for (int p = 0; p < inputs.Length; p++)
        {
            var output = new float[targets[p].Length];
            network.Predict(inputs[p], output);
            patterns.Add(new DemoPattern(inputs[p], targets[p], output));
        }
        return new DemoRun(title, network.Definition, seed, errors, patterns);
    }
}
