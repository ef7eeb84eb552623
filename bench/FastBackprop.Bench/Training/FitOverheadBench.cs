using System.Globalization;
using BenchmarkDotNet.Attributes;
using FastBackprop.Data;
using FastBackprop.Diagnostics;
using FastBackprop.Training;

namespace FastBackprop.Bench.Training;

/// <summary>Trainer.Fit against the raw loop it wraps, side by side in one run: one epoch over
/// <see cref="Patterns"/> synthetic MNIST-sized samples of the W3b shape (784-256-128-10, ReLU, ReLU,
/// softmax + cross-entropy) on one thread is one operation. The raw loop (the baseline) steps through the
/// data's own contiguous batches: Network.TrainBatch for plain SGD, Network.BackpropagateBatch and
/// Adam's step for Adam. Fit adds what a run needs: its checks, the shuffled order and the gathered
/// batches, the divergence guard, the epoch's metrics and report. The Ratio column is Fit's cost over
/// the raw loop's (target at most 1.05); Allocated is the run's whole memory beyond the data (target
/// at most 10% of <see cref="DataBytes"/>, which the setup prints).</summary>
[MemoryDiagnoser(displayGenColumns: false)]
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class FitOverheadBench
{
    private const float LearningRate = 1e-3f;

    private Dataset data = null!;
    private Network network = null!;
    private BatchWorkspace workspace = null!;
    private Adam? adam;
    private float[] gradient = null!;
    private TrainingOptions options = null!;

    /// <summary>Samples per epoch (60,000 is MNIST's training set; fewer keep a run short).</summary>
    [Params(12_000)]
    public int Patterns { get; set; }

    /// <summary>Patterns per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>Plain SGD (the update fused into the gradient product) or Adam (the gradient, then a flat update).</summary>
    [Params("sgd", "adam")]
    public string Optimizer { get; set; } = "sgd";

    /// <summary>The data set's own size in bytes: inputs, one-hot targets and labels.</summary>
    public long DataBytes => (long)Patterns * ((784 + 10) * sizeof(float) + sizeof(int));

    /// <summary>Seeded data and weights; the workspace and the optimizer are made here, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new SeededRandom(15);
        var inputs = new float[Patterns * 784];
        var labels = new int[Patterns];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
        for (int i = 0; i < labels.Length; i++) labels[i] = random.NextInt32(10);
        data = new Dataset(inputs, 784, labels, 10);
        network = Workload.W3b.CreateNetwork();
        workspace = network.CreateBatchWorkspace(Batch, 1);
        gradient = new float[network.Definition.ParameterCount];
        adam = Optimizer == "adam" ? new Adam(network.Definition.ParameterCount) : null;
        options = new TrainingOptions { Epochs = 1, BatchSize = Batch, Seed = 1, LearningRate = LearningRate, Optimizer = adam, DegreeOfParallelism = 1 };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// FitOverhead: {Patterns} patterns, the data set holds {DataBytes / 1048576.0:F1} MiB; tier {FastBackprop.Kernels.VectorTiers.Active}"));
    }

    /// <summary>Stops nothing (one thread); disposes the workspace.</summary>
    [GlobalCleanup]
    public void Cleanup() => workspace.Dispose();

    /// <summary>The raw loop over the data's contiguous batches.</summary>
    [Benchmark(Baseline = true)]
    public float Raw()
    {
        float sum = 0;
        for (int start = 0; start < Patterns; start += Batch)
        {
            int count = Math.Min(Batch, Patterns - start);
            ReadOnlySpan<float> x = data.GetInputs(start, count), d = data.GetTargets(start, count);
            if (adam is null)
            {
                sum += network.TrainBatch(x, d, LearningRate, workspace);
            }
            else
            {
                sum += network.BackpropagateBatch(x, d, gradient, workspace);
                adam.Step(network.Parameters, gradient, LearningRate);
            }
        }
        return sum;
    }

    /// <summary>One epoch of Trainer.Fit, shuffled.</summary>
    [Benchmark]
    public double Fit() => Trainer.Fit(network, data, options).Epochs[0].TrainingLoss;
}
