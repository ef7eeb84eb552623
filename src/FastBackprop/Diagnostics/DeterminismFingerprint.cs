using System.Security.Cryptography;
using System.Text;
using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Diagnostics;

// ---------------------------------------------------------------------------------------------
// The determinism fingerprint: a fixed set of short training runs, each reduced to a hash of its
// final weights, and one hash of them all. The engine promises the same bits on every CPU, at every
// vector tier and thread count (README, "Same bits everywhere"), so every machine must print the
// same fingerprint: CI compares the four tiers' fingerprints, a test pins the values, and
// `fastbackprop bench` / `gradcheck` print it so that reports from different machines can be set
// side by side. The runs cover each execution plan (tiny, span with TrainOnline's fused first
// layer, batch on 1 and 2 threads), every built-in transfer function, both losses, dropout, every
// optimizer, and inference (Predict and PredictBatch of the trained digits network); together they
// take well under a second at Vector512.
// ---------------------------------------------------------------------------------------------

/// <summary>Hashes of the final weights of a fixed set of training runs: equal on every machine, vector tier and
/// thread count where the engine keeps its determinism promise.</summary>
public sealed class DeterminismFingerprint
{
    private DeterminismFingerprint(IReadOnlyList<KeyValuePair<string, string>> runs)
    {
        Runs = runs;
        var all = new StringBuilder();
        foreach (var (name, hash) in runs) all.Append(name).Append('=').Append(hash).Append('\n');
        Value = Hash(Encoding.UTF8.GetBytes(all.ToString()));
    }

    /// <summary>The fingerprint: 16 hexadecimal digits of a SHA-256 over every run's name and hash.</summary>
    public string Value { get; }

    /// <summary>Each run's name and the 16-digit hash of its final parameters (float32, little-endian).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Runs { get; }

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>Trains the fixed runs and hashes their weights.</summary>
    public static DeterminismFingerprint Compute()
    {
        var runs = new List<KeyValuePair<string, string>>();
        void Add(string name, Network network) => runs.Add(new(name, Hash(network.Parameters)));

        Add("w1-online", W1Online());
        Add("online-fused-first-layer", OnlineFused());
        Network digits = Digits(threads: 1);
        Add("digits-adam-dropout-1-thread", digits);
        Add("digits-adam-dropout-2-threads", Digits(threads: 2));
        Add("w3b-batches-2-threads", W3bBatches());
        Add("every-transfer-function-tiny", EveryFunctionTiny());
        foreach (var (name, network) in EveryFunctionAndOptimizer()) Add(name, network);
        foreach (var (name, network) in FullBatchMethods()) Add(name, network);
        runs.Add(new("digits-predict", Hash(PredictEach(digits))));
        runs.Add(new("digits-predict-batch-2-threads", Hash(PredictBatches(digits))));
        return new DeterminismFingerprint(runs);
    }

    // ---- the runs ----------------------------------------------------------------------------------

    // The derivation's 2-4-3-2 logistic network, online SGD (the tiny plan), 20 passes over 64 W1 patterns.
    private static Network W1Online()
    {
        Workload w = Workload.W1;
        Network network = w.CreateNetwork();
        var (x, d) = Patterns(w, 64);
        int n = w.Definition.InputWidth, m = w.Definition.OutputWidth;
        for (int epoch = 0; epoch < 20; epoch++)
        {
            for (int p = 0; p < 64; p++) network.TrainStep(x.AsSpan(p * n, n), d.AsSpan(p * m, m), w.LearningRate);
        }
        return network;
    }

    // A logistic 100-40-20-10 network through TrainOnline (the span plan's fused first layer) and TrainStep.
    private static Network OnlineFused()
    {
        var network = new Network(100, Loss.HalfSquaredError,
            new Dense(40, TransferFunction.Logistic), new Dense(20, TransferFunction.Tanh), new Dense(10, TransferFunction.Logistic));
        network.InitializeWeights(11);
        var (x, d) = Synthetic(network.Definition, 48, seed: 12, oneHot: false);
        Workspace ws = network.CreateWorkspace();
        network.TrainOnline(x, d, 0.05f, ws);
        for (int p = 0; p < 48; p++) network.TrainStep(x.AsSpan(p * 100, 100), d.AsSpan(p * 10, 10), 0.05f, ws);
        return network;
    }

    // The embedded digits, 64-256(dropout 0.2)-128-10, Adam, batch 128: large enough that the products split over 2 threads.
    private static Network Digits(int threads)
    {
        var network = new Network(64, Loss.CrossEntropy,
            new Dense(256, TransferFunction.Relu), new Dropout(0.2f), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(21);
        Dataset data = EmbeddedData.Digits();
        Trainer.Fit(network, data, new TrainingOptions
        {
            Epochs = 2,
            BatchSize = 128,
            Seed = 22,
            LearningRate = 1e-3f,
            DegreeOfParallelism = threads,
            Optimizer = new Adam(network.Definition.ParameterCount),
        });
        return network;
    }

    // The W3b workload's network and data, four mini-batch SGD steps of 64 on 2 threads.
    private static Network W3bBatches()
    {
        Workload w = Workload.W3b;
        Network network = w.CreateNetwork();
        var (x, d) = Patterns(w, 4 * w.BatchSize);
        using BatchWorkspace ws = network.CreateBatchWorkspace(w.BatchSize, degreeOfParallelism: 2);
        int n = w.Definition.InputWidth * w.BatchSize, m = w.Definition.OutputWidth * w.BatchSize;
        for (int b = 0; b < 4; b++) network.TrainBatch(x.AsSpan(b * n, n), d.AsSpan(b * m, m), w.LearningRate, ws);
        return network;
    }

    // Every built-in function in a network narrow enough for the tiny plan, online SGD.
    private static Network EveryFunctionTiny()
    {
        var network = new Network(5, Loss.HalfSquaredError,
            new Dense(7, TransferFunction.Tanh), new Dense(6, TransferFunction.LeakyRelu(0.1f)), new Dense(5, TransferFunction.Relu),
            new Dense(4, TransferFunction.Identity), new Dense(3, TransferFunction.Logistic));
        network.InitializeWeights(31);
        var (x, d) = Synthetic(network.Definition, 32, seed: 32, oneHot: false);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            for (int p = 0; p < 32; p++) network.TrainStep(x.AsSpan(p * 5, 5), d.AsSpan(p * 3, 3), 0.1f);
        }
        return network;
    }

    // Every built-in function in a wide network (span and batch plans), each optimizer for a few mini-batch epochs.
    private static IEnumerable<(string Name, Network Network)> EveryFunctionAndOptimizer()
    {
        (string Name, Func<int, Optimizer?> Create, float Rate, float Clip)[] optimizers =
        [
            ("sgd", _ => null, 0.05f, 0f),
            ("sgd-clipped", _ => null, 0.05f, 0.5f),
            ("momentum", n => new Sgd(n, momentum: 0.9f), 0.02f, 0f),
            ("nesterov", n => new Sgd(n, momentum: 0.9f, nesterov: true, weightDecay: 1e-4f), 0.02f, 0f),
            ("adam", n => new Adam(n), 1e-3f, 0f),
            ("adamw", n => new AdamW(n), 1e-3f, 0f),
            ("rmsprop", n => new RmsProp(n), 1e-3f, 0f),
            ("rprop", n => new Rprop(n), 1f, 0f),   // the rate is validated, and ignored: step sizes adapt per weight
            ("adagrad", n => new AdaGrad(n), 1e-2f, 0f),
            ("adamax", n => new Adamax(n), 2e-3f, 0f),
            ("nadam", n => new NAdam(n), 2e-3f, 0f),
            ("radam", n => new RAdam(n), 1e-3f, 0f),
            ("quickprop", n => new Quickprop(n), 1e-3f, 0f),
            ("rprop+", n => new RpropPlus(n), 1f, 0f),
            ("irprop+", n => new IrpropPlus(n), 1f, 0f),
        ];
        bool softmax = true;
        foreach (var (name, create, rate, clip) in optimizers)
        {
            // Alternate the output: softmax + cross-entropy, then logistic outputs + cross-entropy (multi-label).
            var network = new Network(40, Loss.CrossEntropy,
                new Dense(33, TransferFunction.Tanh), new Dense(24, TransferFunction.LeakyRelu(0.05f)), new Dropout(0.1f),
                new Dense(19, TransferFunction.Logistic), new Dense(17, TransferFunction.Relu), new Dense(18, TransferFunction.Identity),
                new Dense(6, softmax ? TransferFunction.Softmax : TransferFunction.Logistic));
            network.InitializeWeights(41);
            var (x, d) = Synthetic(network.Definition, 96, seed: 42, oneHot: softmax);
            var data = new Dataset(x, 40, d, 6);
            Trainer.Fit(network, data, new TrainingOptions
            {
                Epochs = 3,
                BatchSize = 16,
                Seed = 43,
                LearningRate = rate,
                GradientClipNorm = clip,
                DegreeOfParallelism = 1,
                Optimizer = create(network.Definition.ParameterCount),
            });
            yield return ($"every-function-{name}-{(softmax ? "softmax" : "logistic")}", network);
            softmax = !softmax;
        }
    }

    // The full-batch methods (line searches, conjugate directions, the Gauss-Newton Gram and its Cholesky), which
    // take no dropout: a tanh-logistic network on 96 patterns, a few epochs each.
    private static IEnumerable<(string Name, Network Network)> FullBatchMethods()
    {
        (string Name, Func<int, Optimizer> Create, float Rate)[] optimizers =
        [
            ("lbfgs", n => new Lbfgs(n, maxIterations: 5), 1f),
            ("scg", n => new ScaledConjugateGradient(n), 1e-3f),
            ("lm", n => new LevenbergMarquardt(n), 1e-3f),
        ];
        foreach (var (name, create, rate) in optimizers)
        {
            var network = new Network(20, Loss.HalfSquaredError,
                new Dense(17, TransferFunction.Tanh), new Dense(9, TransferFunction.Relu), new Dense(5, TransferFunction.Logistic));
            network.InitializeWeights(51);
            var (x, d) = Synthetic(network.Definition, 96, seed: 52, oneHot: false);
            Trainer.Fit(network, new Dataset(x, 20, d, 5), new TrainingOptions
            {
                Epochs = 4,
                BatchSize = 96,
                Seed = 53,
                LearningRate = rate,
                DegreeOfParallelism = 2,
                Optimizer = create(network.Definition.ParameterCount),
            });
            yield return ($"full-batch-{name}", network);
        }
    }

    // Inference: the trained digits network's outputs for every embedded digit, pattern by pattern (Predict)...
    private static float[] PredictEach(Network network)
    {
        Dataset data = EmbeddedData.Digits();
        int m = network.Definition.OutputWidth;
        var outputs = new float[data.Count * m];
        for (int p = 0; p < data.Count; p++) network.Predict(data.GetInput(p), outputs.AsSpan(p * m, m));
        return outputs;
    }

    // ... and in batches of 100 over 2 threads (PredictBatch: the packed products), the last batch a partial one.
    private static float[] PredictBatches(Network network)
    {
        Dataset data = EmbeddedData.Digits();
        int m = network.Definition.OutputWidth;
        var outputs = new float[data.Count * m];
        using BatchWorkspace ws = network.CreateBatchWorkspace(100, degreeOfParallelism: 2);
        for (int start = 0; start < data.Count; start += 100)
        {
            int count = Math.Min(100, data.Count - start);
            network.PredictBatch(data.GetInputs(start, count), outputs.AsSpan(start * m, count * m), ws);
        }
        return outputs;
    }

    // ---- data and hashing ----------------------------------------------------------------------------

    private static (float[] Inputs, float[] Targets) Patterns(Workload w, int count)
    {
        var x = new float[count * w.Definition.InputWidth];
        var d = new float[count * w.Definition.OutputWidth];
        w.FillPatterns(x, d);
        return (x, d);
    }

    // Inputs uniform in [-1, 1]; targets one-hot, or uniform in [0.1, 0.9].
    private static (float[] Inputs, float[] Targets) Synthetic(NetworkDefinition definition, int count, ulong seed, bool oneHot)
    {
        var random = new SeededRandom(seed);
        var x = new float[count * definition.InputWidth];
        var d = new float[count * definition.OutputWidth];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSymmetric(1f);
        for (int p = 0; p < count; p++)
        {
            Span<float> row = d.AsSpan(p * definition.OutputWidth, definition.OutputWidth);
            if (oneHot) row[random.NextInt32(row.Length)] = 1f;
            else for (int k = 0; k < row.Length; k++) row[k] = 0.1f + 0.8f * random.NextSingle();
        }
        return (x, d);
    }

    private static string Hash(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(float)), values[i]);   // little-endian on every supported CPU
        return Hash(bytes);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
}
