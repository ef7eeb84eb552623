using System.Globalization;
using FastBackprop.Bench.Baselines;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Workloads;

/// <summary>A per-pattern SGD workload from DESIGN.md: network shape, learning rate and a fixed,
/// seeded pattern set, in float for the engine and the float baselines and in double for the reference.</summary>
public sealed class OnlineWorkload
{
    /// <summary>Seed of the initial weights, shared by every implementation.</summary>
    public const ulong WeightSeed = 42;

    private OnlineWorkload(string name, int[] widths, float learningRate, int patterns, ulong dataSeed, Func<SeededRandom, int, (float[] Input, float[] Target)> draw)
    {
        Name = name;
        Widths = widths;
        LearningRate = learningRate;
        var layers = new Layer[widths.Length - 1];
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(widths[l + 1], TransferFunction.Logistic);
        Definition = new NetworkDefinition(widths[0], Loss.HalfSquaredError, layers);
        InputWidth = widths[0];
        OutputWidth = widths[^1];
        Count = patterns;
        Inputs = new float[patterns * InputWidth];
        Targets = new float[patterns * OutputWidth];
        var random = new SeededRandom(dataSeed);
        for (int i = 0; i < patterns; i++)
        {
            (float[] input, float[] target) = draw(random, i);
            input.CopyTo(Inputs, i * InputWidth);
            target.CopyTo(Targets, i * OutputWidth);
        }
        InputsDouble = Array.ConvertAll(Inputs, x => (double)x);
        TargetsDouble = Array.ConvertAll(Targets, x => (double)x);
    }

    /// <summary>Short name for messages.</summary>
    public string Name { get; }

    /// <summary>Input width first, then each layer's width.</summary>
    public int[] Widths { get; }

    /// <summary>eta.</summary>
    public float LearningRate { get; }

    /// <summary>The network (logistic everywhere, half squared error).</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>Number of inputs per pattern.</summary>
    public int InputWidth { get; }

    /// <summary>Number of targets per pattern.</summary>
    public int OutputWidth { get; }

    /// <summary>Number of patterns.</summary>
    public int Count { get; }

    /// <summary>All inputs, pattern after pattern.</summary>
    public float[] Inputs { get; }

    /// <summary>All targets, pattern after pattern.</summary>
    public float[] Targets { get; }

    /// <summary><see cref="Inputs"/> widened to double, for the reference.</summary>
    public double[] InputsDouble { get; }

    /// <summary><see cref="Targets"/> widened to double, for the reference.</summary>
    public double[] TargetsDouble { get; }

    /// <summary>W1 seed-online: 2-4-3-2, eta 0.5, inputs U[-1,1], targets U[0.1,0.9].</summary>
    public static OnlineWorkload SeedOnline(int patterns) => new(
        "W1 seed-online", [2, 4, 3, 2], 0.5f, patterns, dataSeed: 1,
        (random, _) => (
            [random.NextSymmetric(1f), random.NextSymmetric(1f)],
            [0.1f + 0.8f * random.NextSingle(), 0.1f + 0.8f * random.NextSingle()]));

    /// <summary>W3a mnist-online: 784-256-128-10, eta 0.1, synthetic samples: pixels U[0,1],
    /// a random class with target 0.9 and 0.1 elsewhere.</summary>
    public static OnlineWorkload MnistOnline(int samples) => new(
        "W3a mnist-online", [784, 256, 128, 10], 0.1f, samples, dataSeed: 3,
        (random, _) =>
        {
            var input = new float[784];
            for (int j = 0; j < input.Length; j++) input[j] = random.NextSingle();
            var target = new float[10];
            Array.Fill(target, 0.1f);
            target[random.NextInt32(10)] = 0.9f;
            return (input, target);
        });

    /// <summary>Input of pattern <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Input(int i) => Inputs.AsSpan(i * InputWidth, InputWidth);

    /// <summary>Target of pattern <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Target(int i) => Targets.AsSpan(i * OutputWidth, OutputWidth);

    /// <summary>Input of pattern <paramref name="i"/> in double.</summary>
    public ReadOnlySpan<double> InputDouble(int i) => InputsDouble.AsSpan(i * InputWidth, InputWidth);

    /// <summary>Target of pattern <paramref name="i"/> in double.</summary>
    public ReadOnlySpan<double> TargetDouble(int i) => TargetsDouble.AsSpan(i * OutputWidth, OutputWidth);

    /// <summary>A network with the shared seeded initial weights.</summary>
    public Network CreateNetwork()
    {
        var network = new Network(Definition);
        network.InitializeWeights(WeightSeed);
        return network;
    }

    /// <summary>Trains the engine, the reference, <see cref="ScalarFloatMlp"/> and
    /// <see cref="RowwiseTensorPrimitivesMlp"/> from the same initial weights on the first
    /// <paramref name="steps"/> patterns and throws unless every parameter agrees with the engine's
    /// within <paramref name="tolerance"/> (absolute). Returns a one-line summary.</summary>
    public string Verify(int steps, double tolerance)
    {
        Network engine = CreateNetwork();
        Workspace workspace = engine.CreateWorkspace();
        double[] reference = ToDouble(engine.Parameters);
        var scalar = new ScalarFloatMlp(Widths);
        var rowwise = new RowwiseTensorPrimitivesMlp(Widths);
        engine.Parameters.CopyTo(scalar.Parameters);
        engine.Parameters.CopyTo(rowwise.Parameters);

        for (int s = 0; s < steps; s++)
        {
            int i = s % Count;
            float e = engine.TrainStep(Input(i), Target(i), LearningRate, workspace);
            double r = ReferenceBackprop.TrainStep(Definition, reference, InputDouble(i), TargetDouble(i), LearningRate);
            float a = scalar.TrainStep(Input(i), Target(i), LearningRate);
            float b = rowwise.TrainStep(Input(i), Target(i), LearningRate);
            Check("error (reference)", s, r, e, tolerance);
            Check("error (scalar float)", s, a, e, tolerance);
            Check("error (row-wise TensorPrimitives)", s, b, e, tolerance);
        }
        ReadOnlySpan<float> p = engine.Parameters;
        double dRef = MaxDifference(p, reference), dScalar = MaxDifference(p, scalar.Parameters), dRow = MaxDifference(p, rowwise.Parameters);
        Check("parameters (reference)", steps, dRef, 0, tolerance);
        Check("parameters (scalar float)", steps, dScalar, 0, tolerance);
        Check("parameters (row-wise TensorPrimitives)", steps, dRow, 0, tolerance);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Name}: after {steps} steps max |engine - x| over {p.Length} parameters: reference {dRef:E2}, scalar float {dScalar:E2}, row-wise TensorPrimitives {dRow:E2} (tolerance {tolerance:E0})");
    }

    private void Check(string what, int step, double actual, double expected, double tolerance)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: {what} differs from the engine at step {step}: {actual:R} vs {expected:R} (tolerance {tolerance:E0}); the comparison would not be honest."));
        }
    }

    private static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
