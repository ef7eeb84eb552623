using System.Globalization;

namespace FastBackprop.Cli;

/// <summary>The derivation's networks trained online, step by step: XOR on a 2-2-1 logistic
/// network, then the 2-4-3-2 logistic network, both with half squared error and eta 0.5.</summary>
internal static class Demo
{
    private const float LearningRate = 0.5f;

    public static void Run(TextWriter output)
    {
        output.WriteLine("FastBackprop demo: online backpropagation, logistic units, E = 1/2 sum (d - y)^2, eta = 0.5");
        output.WriteLine($"Vector tier: {Kernels.VectorTiers.Active}");
        output.WriteLine();

        // XOR: the classic problem a single layer cannot solve.
        float[][] xorInputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
        float[][] xorTargets = [[0], [1], [1], [0]];
        Train(output, "XOR, 2-2-1", inputWidth: 2, [2, 1], xorInputs, xorTargets, seed: 3, epochs: 4000, reportEvery: 400);

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
        Train(output, "2-4-3-2", inputWidth: 2, [4, 3, 2], inputs, targets, seed: 1, epochs: 3000, reportEvery: 300);
    }

    private static void Train(TextWriter output, string title, int inputWidth, int[] widths, float[][] inputs, float[][] targets, ulong seed, int epochs, int reportEvery)
    {
        var layers = new Layer[widths.Length];
        for (int l = 0; l < widths.Length; l++) layers[l] = new Dense(widths[l], TransferFunction.Logistic);
        var network = new Network(inputWidth, Loss.HalfSquaredError, layers);
        network.InitializeWeights(seed);

        output.WriteLine($"== {title}: {network.Definition}, {network.Definition.ParameterCount} parameters, seed {seed}");
        output.WriteLine("   epoch   error (sum over patterns)");
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            double error = 0;
            for (int p = 0; p < inputs.Length; p++) error += network.TrainStep(inputs[p], targets[p], LearningRate);
            if (epoch == 1 || epoch % reportEvery == 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {epoch,5}   {error:F6}"));
            }
        }

        output.WriteLine("   pattern            target            output");
        var result = new float[targets[0].Length];
        for (int p = 0; p < inputs.Length; p++)
        {
            network.Predict(inputs[p], result);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {Format(inputs[p]),-18} {Format(targets[p]),-17} {Format(result)}"));
        }
        output.WriteLine();
    }

    private static string Format(float[] values) =>
        "(" + string.Join(", ", Array.ConvertAll(values, v => v.ToString("F3", CultureInfo.InvariantCulture))) + ")";
}
