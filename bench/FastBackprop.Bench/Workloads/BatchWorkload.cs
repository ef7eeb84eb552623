using System.Globalization;
using FastBackprop.Reference;

namespace FastBackprop.Bench.Workloads;

/// <summary>A mini-batch SGD workload from DESIGN.md (W3b, W4): the network, eta and a few seeded
/// batches of synthetic data that the benchmarks cycle through.</summary>
public sealed class BatchWorkload
{
    /// <summary>Seed of the initial weights.</summary>
    public const ulong WeightSeed = 42;

    /// <summary>Batches of data cycled through, so the inputs are not the same block every step.</summary>
    public const int BatchCount = 4;

    private BatchWorkload(string name, NetworkDefinition definition, float learningRate, int batch, ulong dataSeed, Action<SeededRandom, Span<float>, Span<float>> draw)
    {
        Name = name;
        Definition = definition;
        LearningRate = learningRate;
        Batch = batch;
        int inputWidth = definition.InputWidth, outputWidth = definition.OutputWidth;
        Inputs = new float[BatchCount * batch * inputWidth];
        Targets = new float[BatchCount * batch * outputWidth];
        var random = new SeededRandom(dataSeed);
        for (int p = 0; p < BatchCount * batch; p++)
        {
            draw(random, Inputs.AsSpan(p * inputWidth, inputWidth), Targets.AsSpan(p * outputWidth, outputWidth));
        }
    }

    /// <summary>Short name for messages.</summary>
    public string Name { get; }

    /// <summary>The network.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>eta.</summary>
    public float LearningRate { get; }

    /// <summary>Patterns per step.</summary>
    public int Batch { get; }

    /// <summary><see cref="BatchCount"/> batches of inputs, pattern after pattern.</summary>
    public float[] Inputs { get; }

    /// <summary><see cref="BatchCount"/> batches of targets, pattern after pattern.</summary>
    public float[] Targets { get; }

    /// <summary>Number of weights (biases not counted): the flop count of a step is 6 x this x batch
    /// (2 for the forward product, 2 for the backward product, 2 for the gradient/update product).</summary>
    public static long WeightCount(NetworkDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        long weights = 0;
        for (int l = 0; l < definition.LayerCount; l++) weights += definition.GetLayout(l).WeightCount;
        return weights;
    }

    /// <summary>Flops a training step really executes per sample: 6 x weights minus 2 x the first
    /// layer's weights, because the first layer computes no dX (its backward product is skipped).
    /// The convention (6 x weights) overcounts by that much: 28.5 % of W3b's count, 11 % of W4's.</summary>
    public static double ExecutedFlopsPerSample(NetworkDefinition definition) =>
        6.0 * WeightCount(definition) - 2.0 * definition.GetLayout(0).WeightCount;

    /// <summary>1 and all logical processors (once, if there is only one).</summary>
    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>W3b's network: 784-256-128-10, ReLU hidden, softmax output, cross-entropy.</summary>
    public static NetworkDefinition W3bDefinition { get; } = new(784, Loss.CrossEntropy,
        new Dense(256, TransferFunction.Relu), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));

    /// <summary>W4's network: 1024-1024-1024-1024, ReLU hidden, identity output, half squared error.</summary>
    public static NetworkDefinition W4Definition { get; } = new(1024, Loss.HalfSquaredError,
        new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Identity));

    /// <summary>W3b mnist-batch: eta 0.01; synthetic MNIST-like samples: pixels U[0,1], one-hot targets of a random class.</summary>
    public static BatchWorkload W3b(int batch) => new("W3b mnist-batch", W3bDefinition, 0.01f, batch, dataSeed: 5, (random, input, target) =>
    {
        for (int j = 0; j < input.Length; j++) input[j] = random.NextSingle();
        target.Clear();
        target[random.NextInt32(target.Length)] = 1f;
    });

    /// <summary>W4 wide: eta 0.001 (DESIGN.md gives none; small enough that thousands of steps on random
    /// targets stay finite); inputs and targets U[-1,1].</summary>
    public static BatchWorkload W4(int batch) => new("W4 wide", W4Definition, 0.001f, batch, dataSeed: 6, (random, input, target) =>
    {
        for (int j = 0; j < input.Length; j++) input[j] = random.NextSymmetric(1f);
        for (int j = 0; j < target.Length; j++) target[j] = random.NextSymmetric(1f);
    });

    /// <summary>Inputs of batch <paramref name="index"/> (mod <see cref="BatchCount"/>).</summary>
    public ReadOnlySpan<float> BatchInputs(int index) => Inputs.AsSpan(index % BatchCount * Batch * Definition.InputWidth, Batch * Definition.InputWidth);

    /// <summary>Targets of batch <paramref name="index"/> (mod <see cref="BatchCount"/>).</summary>
    public ReadOnlySpan<float> BatchTargets(int index) => Targets.AsSpan(index % BatchCount * Batch * Definition.OutputWidth, Batch * Definition.OutputWidth);

    /// <summary>A network with the seeded initial weights.</summary>
    public Network CreateNetwork()
    {
        var network = new Network(Definition);
        network.InitializeWeights(WeightSeed);
        return network;
    }

    /// <summary>Checks that the per-pattern reference baseline computes the same step: one engine
    /// TrainBatch on a batch of one pattern against one ReferenceBackprop.TrainStep, from the same
    /// weights; throws unless every parameter agrees within <paramref name="tolerance"/>.</summary>
    public string VerifyAgainstReference(double tolerance)
    {
        Network engine = CreateNetwork();
        double[] reference = Array.ConvertAll(engine.Parameters.ToArray(), x => (double)x);
        int inputWidth = Definition.InputWidth, outputWidth = Definition.OutputWidth;
        using (BatchWorkspace ws = engine.CreateBatchWorkspace(1))
        {
            engine.TrainBatch(Inputs.AsSpan(0, inputWidth), Targets.AsSpan(0, outputWidth), LearningRate, ws);
        }
        ReferenceBackprop.TrainStep(Definition, reference,
            Array.ConvertAll(Inputs[..inputWidth], x => (double)x), Array.ConvertAll(Targets[..outputWidth], x => (double)x), LearningRate);
        double max = 0;
        ReadOnlySpan<float> p = engine.Parameters;
        for (int i = 0; i < p.Length; i++) max = Math.Max(max, Math.Abs(p[i] - reference[i]));
        if (!(max <= tolerance))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: engine and reference differ by {max:E2} after one step (tolerance {tolerance:E0}); the baseline would not be honest."));
        }
        return string.Create(CultureInfo.InvariantCulture, $"{Name}: one step, batch of 1, max |engine - reference| over {p.Length} parameters {max:E2} (tolerance {tolerance:E0})");
    }
}
