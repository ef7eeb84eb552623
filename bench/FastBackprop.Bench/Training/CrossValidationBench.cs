using System.Globalization;
using BenchmarkDotNet.Attributes;
using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.Training;

namespace FastBackprop.Bench.Training;

/// <summary>10-fold cross-validation of the embedded digits (1,797 samples; 64-128-10, ReLU, softmax + cross-entropy,
/// Adam, batch 32, <see cref="Epochs"/> epochs; `fastbackprop cv --folds 10`'s network) in wall time:
/// CrossValidation.Run (the folds through Trainer.FitMany, on every core) against the baseline of 10 sequential
/// Trainer.Fit calls on one thread, each on a copy of its fold's training rows (data.Subset) and evaluated on its
/// held-out fold. The same networks, options and folds, so the same weights: the setup checks that fold 0 agrees bit for
/// bit. The Ratio column is the cross-validation's time over the sequential Fits'.</summary>
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class CrossValidationBench
{
    private const int Folds = 10;
    private Dataset digits = null!;
    private Network initial = null!;
    private int[][] folds = null!;
    private TrainingOptions options = null!;

    /// <summary>Epochs per fold.</summary>
    [Params(5)]
    public int Epochs { get; set; }

    /// <summary>The digits, the initial network, the folds (stratified, seed 1) and the options.</summary>
    [GlobalSetup]
    public void Setup()
    {
        digits = EmbeddedData.Digits();
        initial = new Network(64, Loss.CrossEntropy, new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        initial.InitializeWeights(1);
        folds = CrossValidation.Folds(digits, Folds, 1, stratify: true);
        options = new TrainingOptions { Epochs = Epochs, BatchSize = 32, Seed = 1, LearningRate = 1e-3f, DegreeOfParallelism = 1 };
        Network sequential = FitFold(0);
        Network crossValidated = CrossValidation.Run(initial, digits, options, Settings()).Folds[0].Model.Network;
        if (!sequential.Parameters.SequenceEqual(crossValidated.Parameters)) throw new InvalidOperationException("fold 0 of CrossValidation.Run differs from Fit on its rows");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// CrossValidation: {Folds} folds of {digits.Count} digits, {Environment.ProcessorCount} cores, tier {FastBackprop.Kernels.VectorTiers.Active}"));
    }

    /// <summary>10 Fit calls one after another on one thread, each evaluated on its fold.</summary>
    [Benchmark(Baseline = true)]
    public double SequentialFits()
    {
        double loss = 0;
        for (int f = 0; f < Folds; f++) loss += Trainer.Evaluate(FitFold(f), digits.Subset(folds[f])).Loss;
        return loss;
    }

    /// <summary>CrossValidation.Run: the same 10 trainings and evaluations through FitMany on every core.</summary>
    [Benchmark]
    public double CrossValidate() => CrossValidation.Run(initial, digits, options, Settings()).Loss.Mean;

    private CrossValidationOptions Settings() => new()
    {
        Folds = Folds,
        Seed = 1,
        Stratify = true,
        CreateOptimizer = () => new Adam(initial.Definition.ParameterCount),
    };

    private Network FitFold(int f)
    {
        var network = new Network(initial.Definition);
        initial.Parameters.CopyTo(network.Parameters);
        int[] training = [.. Enumerable.Range(0, digits.Count).Except(folds[f])];
        Trainer.Fit(network, digits.Subset(training), options with { Optimizer = new Adam(network.Definition.ParameterCount) });
        return network;
    }
}
