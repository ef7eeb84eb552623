using System.Globalization;
using FastBackprop.Training;

namespace FastBackprop.Diagnostics;

// ---------------------------------------------------------------------------------------------
// Workload: the benchmark workloads of DESIGN.md ("Workloads"), defined once. `fastbackprop bench`
// and bench/FastBackprop.Bench both build their networks, data and flop counts from here, so a
// figure from one can be read next to a figure from the other, and a report from one CPU next to a
// report from another: same shape, transfer functions, loss, learning rate, batch size, initial
// weights and data, to the bit. A workload defines what is measured, not how: the timing loops
// belong to the harness that times them.
// ---------------------------------------------------------------------------------------------

/// <summary>One of the design's benchmark workloads (<see cref="W1"/>, <see cref="W3a"/>, <see cref="W3b"/>,
/// <see cref="W4"/>, <see cref="W5"/>): the network, its training settings and its seeded synthetic data,
/// so that every tool that benchmarks it, on any CPU, trains exactly the same thing.</summary>
/// <remarks>
/// A step of an online workload (<see cref="BatchSize"/> 1) is one <see cref="Network.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{float}, float, Workspace)"/>
/// per pattern; a step of a mini-batch workload is one
/// <see cref="Network.TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, float, BatchWorkspace)"/> on
/// <see cref="BatchSize"/> consecutive patterns, cycling through <see cref="PatternCount"/> patterns.
/// </remarks>
public sealed class Workload
{
    // Batches a mini-batch benchmark cycles through, so that a step does not see the block it saw last.
    private const int BatchesCycled = 4;

    private readonly Action<SeededRandom, Span<float>, Span<float>>? drawPattern;
    private readonly Func<int, Optimizer?> createOptimizer;
    private readonly string optimizer;

    private Workload(string id, string name, NetworkDefinition definition, float learningRate, int batchSize, int patternCount,
        ulong weightSeed, ulong dataSeed, string optimizer, Action<SeededRandom, Span<float>, Span<float>>? drawPattern,
        Func<int, Optimizer?>? createOptimizer = null)
    {
        Id = id;
        Name = name;
        Definition = definition;
        LearningRate = learningRate;
        BatchSize = batchSize;
        PatternCount = patternCount;
        WeightSeed = weightSeed;
        DataSeed = dataSeed;
        this.optimizer = optimizer;
        string training = batchSize == 1 ? $"online {optimizer}" : string.Create(CultureInfo.InvariantCulture, $"batch {batchSize} {optimizer}");
        Description = string.Create(CultureInfo.InvariantCulture, $"{definition}, {training} eta {learningRate:G}");
        this.drawPattern = drawPattern;
        this.createOptimizer = createOptimizer ?? (_ => null);
        for (int l = 0; l < definition.LayerCount; l++) WeightCount += definition.GetLayout(l).WeightCount;
        ExecutedFlopsPerPattern = 6.0 * WeightCount - 2.0 * FirstWeightCount(definition);
    }

    /// <summary>The design's label: "W1", "W3a", "W3b", "W4" or "W5".</summary>
    public string Id { get; }

    /// <summary>The design's short name, e.g. "seed-online".</summary>
    public string Name { get; }

    /// <summary>The network, the transfer functions and the training, e.g.
    /// "2-4-3-2 (logistic, logistic, logistic; HalfSquaredError), online SGD eta 0.5".</summary>
    public string Description { get; }

    /// <summary>The network: widths, transfer functions and loss.</summary>
    public NetworkDefinition Definition { get; }

    /// <summary>eta: the learning rate of every step.</summary>
    public float LearningRate { get; }

    /// <summary>Patterns per training step: 1 for the online workloads (one <c>TrainStep</c> per pattern).</summary>
    public int BatchSize { get; }

    /// <summary>How many distinct patterns a benchmark of this workload cycles through (for <see cref="W5"/>,
    /// the size of the Fashion-MNIST training set).</summary>
    public int PatternCount { get; }

    /// <summary>The seed of the initial weights (<see cref="Network.InitializeWeights(ulong)"/>; for <see cref="W5"/>
    /// also the trainer's shuffling seed).</summary>
    public ulong WeightSeed { get; }

    /// <summary>The seed of the synthetic data (<see cref="FillPatterns"/>).</summary>
    public ulong DataSeed { get; }

    /// <summary>Whether <see cref="FillPatterns"/> can generate this workload's data (false for <see cref="W5"/>,
    /// which trains on the Fashion-MNIST files).</summary>
    public bool HasSyntheticData => drawPattern is not null;

    /// <summary>Number of weights, biases not counted.</summary>
    public long WeightCount { get; }

    /// <summary>The design's flop count of training on one pattern: 6 x <see cref="WeightCount"/> (2 for the
    /// forward product, 2 for the backward product, 2 for the gradient and update product). GFLOP/s figures
    /// of every workload use this count.</summary>
    public double FlopsPerPattern => 6.0 * WeightCount;

    /// <summary>The flops a training step really executes per pattern: <see cref="FlopsPerPattern"/> minus
    /// 2 x the weights of the first layer that has any, because no gradient flows below that layer (its
    /// backward product is skipped). Biases and element-wise work are not counted in either figure.</summary>
    public double ExecutedFlopsPerPattern { get; }

    /// <summary>W1 seed-online: 2-4-3-2, logistic everywhere, half squared error, online SGD with eta 0.5
    /// (no momentum), 1,024 fixed patterns: inputs uniform in [-1, 1], targets uniform in [0.1, 0.9].</summary>
    public static Workload W1 { get; } = new("W1", "seed-online",
        Logistic(2, 4, 3, 2), 0.5f, batchSize: 1, patternCount: 1024, weightSeed: 42, dataSeed: 1, "SGD",
        (random, input, target) =>
        {
            for (int j = 0; j < input.Length; j++) input[j] = random.NextSymmetric(1f);
            for (int k = 0; k < target.Length; k++) target[k] = 0.1f + 0.8f * random.NextSingle();
        });

    /// <summary>W3a mnist-online: 784-256-128-10, logistic everywhere, half squared error, online SGD with
    /// eta 0.1, on synthetic MNIST-like samples: pixels uniform in [0, 1], a random class with target 0.9 and
    /// 0.1 elsewhere. The design counts over 60,000 samples; 512 are cycled, which leaves the work per sample
    /// unchanged (the 0.9 MB of weights are the working set either way) and keeps setup cheap.</summary>
    public static Workload W3a { get; } = new("W3a", "mnist-online",
        Logistic(784, 256, 128, 10), 0.1f, batchSize: 1, patternCount: 512, weightSeed: 42, dataSeed: 3, "SGD",
        (random, input, target) =>
        {
            for (int j = 0; j < input.Length; j++) input[j] = random.NextSingle();
            target.Fill(0.1f);
            target[random.NextInt32(target.Length)] = 0.9f;
        });

    /// <summary>W3b mnist-batch: 784-256-128-10, ReLU hidden, softmax output with cross-entropy, mini-batch SGD
    /// with eta 0.01 and batch 64 (the design also measures 256), on synthetic MNIST-like samples: pixels
    /// uniform in [0, 1], one-hot targets of a random class.</summary>
    public static Workload W3b { get; } = new("W3b", "mnist-batch",
        MnistRelu(), 0.01f, batchSize: 64, patternCount: BatchesCycled * 64, weightSeed: 42, dataSeed: 5, "SGD",
        (random, input, target) =>
        {
            for (int j = 0; j < input.Length; j++) input[j] = random.NextSingle();
            target.Clear();
            target[random.NextInt32(target.Length)] = 1f;
        });

    // eta: the design gives none, and the CLI (1e-5) and the bench project (1e-3) used to disagree. Measured
    // over 2,000 steps (8 passes over the 4 batches, one thread, these seeds), both keep every weight finite
    // and far from the denormals (below 1.2e-38, where x86 takes microcode assists and the step time would
    // measure those instead of the kernels): with 1e-3 the mean loss falls by 55 % (1.32 -> 0.59), max |w|
    // grows from 0.077 to 0.095, the smallest nonzero |w| stays about 5e-9 and the smallest nonzero gradient
    // about 1e-10 (both normal floats), no weight or gradient is subnormal and the step time stays flat;
    // with 1e-5 the loss falls by 36 % (max |w| 0.079, likewise clean); even 1e-2 is still stable after 1,000
    // steps (loss -86 %, max |w| 0.15). 1e-3 is kept: the network learns, a tenfold margin remains below a
    // rate that is itself still stable, and the recorded BenchmarkDotNet results (bench/results) used it.
    /// <summary>W4 wide: 1024-1024-1024-1024, ReLU hidden, identity output, half squared error, mini-batch
    /// SGD with batch 256 and eta 1e-3; inputs and targets uniform in [-1, 1].</summary>
    public static Workload W4 { get; } = new("W4", "wide",
        new NetworkDefinition(1024, Loss.HalfSquaredError,
            new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Identity)),
        1e-3f, batchSize: 256, patternCount: BatchesCycled * 256, weightSeed: 42, dataSeed: 6, "SGD",
        (random, input, target) =>
        {
            for (int j = 0; j < input.Length; j++) input[j] = random.NextSymmetric(1f);
            for (int k = 0; k < target.Length; k++) target[k] = random.NextSymmetric(1f);
        });

    /// <summary>W5 fashion: Fashion-MNIST (60,000 training images, Debian package dataset-fashion-mnist),
    /// 784-256-128-10, ReLU hidden, softmax output with cross-entropy, Adam with eta 1e-3, batch 128, one
    /// thread. It has no synthetic data: load the IDX files and train with <see cref="CreateTrainingOptions"/>.</summary>
    public static Workload W5 { get; } = new("W5", "fashion",
        MnistRelu(), 1e-3f, batchSize: 128, patternCount: 60_000, weightSeed: 1, dataSeed: 0, "Adam", drawPattern: null,
        parameterCount => new Adam(parameterCount));

    /// <summary>This workload with another batch size and number of patterns, e.g. W3b at batch 256 (which the design
    /// also measures), or over 60,000 patterns so that a benchmark streams its data from memory as training on a
    /// real data set does, instead of cycling through a few batches that stay in cache. Same network, learning rate,
    /// seeds and data: pattern i is the same as in the original.</summary>
    /// <param name="batchSize">Patterns per step, at least 1.</param>
    /// <param name="patternCount">Patterns cycled, at least <paramref name="batchSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public Workload With(int batchSize, int patternCount)
    {
        ThrowHelper.CheckAtLeast(batchSize, 1, nameof(batchSize));
        ThrowHelper.CheckAtLeast(patternCount, batchSize, nameof(patternCount));
        return new Workload(Id, Name, Definition, LearningRate, batchSize, patternCount, WeightSeed, DataSeed, optimizer, drawPattern, createOptimizer);
    }

    /// <summary>Every workload, in the design's order.</summary>
    public static IReadOnlyList<Workload> All { get; } = [W1, W3a, W3b, W4, W5];

    /// <summary>A network of <see cref="Definition"/> with the initial weights of <see cref="WeightSeed"/>.</summary>
    public Network CreateNetwork()
    {
        var network = new Network(Definition);
        network.InitializeWeights(WeightSeed);
        return network;
    }

    /// <summary>Writes the first N synthetic patterns, N = <c>inputs.Length / Definition.InputWidth</c>, pattern
    /// after pattern: pattern i is the same on every CPU and for every N (one generator seeded with
    /// <see cref="DataSeed"/> draws the patterns in order, each pattern's inputs before its targets).</summary>
    /// <param name="inputs">N x InputWidth values, overwritten.</param>
    /// <param name="targets">N x OutputWidth values, overwritten.</param>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> is not a whole number of patterns, or
    /// <paramref name="targets"/> does not hold the same number of patterns.</exception>
    /// <exception cref="InvalidOperationException">The workload has no synthetic data (<see cref="HasSyntheticData"/>).</exception>
    public void FillPatterns(Span<float> inputs, Span<float> targets)
    {
        if (drawPattern is null) throw new InvalidOperationException($"{Id} {Name} trains on files, not on synthetic patterns.");
        int inputWidth = Definition.InputWidth, outputWidth = Definition.OutputWidth;
        if (inputs.Length % inputWidth != 0)
        {
            throw new ArgumentException($"{inputs.Length} inputs are not a whole number of {inputWidth}-value patterns.", nameof(inputs));
        }
        int count = inputs.Length / inputWidth;
        if (targets.Length != count * outputWidth)
        {
            throw new ArgumentException($"{targets.Length} targets for {count} patterns; expected {count} x {outputWidth}.", nameof(targets));
        }
        var random = new SeededRandom(DataSeed);
        for (int p = 0; p < count; p++)
        {
            drawPattern(random, inputs.Slice(p * inputWidth, inputWidth), targets.Slice(p * outputWidth, outputWidth));
        }
    }

    /// <summary>The workload's training settings for <see cref="Trainer.Fit"/>: <see cref="BatchSize"/>,
    /// <see cref="LearningRate"/>, its optimizer (a fresh Adam for <see cref="W5"/>; null, plain SGD, for the
    /// others), Seed = <see cref="WeightSeed"/> and one thread (the figures are per core). Add the epochs,
    /// validation set and progress with a <c>with</c> expression.</summary>
    public TrainingOptions CreateTrainingOptions() => new()
    {
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Optimizer = createOptimizer(Definition.ParameterCount),
        Seed = WeightSeed,
        DegreeOfParallelism = 1,
    };

    /// <summary>"W1 seed-online: " and the <see cref="Description"/>.</summary>
    public override string ToString() => $"{Id} {Name}: {Description}";

    private static NetworkDefinition Logistic(int inputs, params ReadOnlySpan<int> widths)
    {
        var layers = new Layer[widths.Length];
        for (int l = 0; l < layers.Length; l++) layers[l] = new Dense(widths[l], TransferFunction.Logistic);
        return new NetworkDefinition(inputs, Loss.HalfSquaredError, layers);
    }

    private static NetworkDefinition MnistRelu() => new(784, Loss.CrossEntropy,
        new Dense(256, TransferFunction.Relu), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));

    private static long FirstWeightCount(NetworkDefinition definition)
    {
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.GetLayout(l).WeightCount > 0) return definition.GetLayout(l).WeightCount;
        }
        return 0;
    }
}
