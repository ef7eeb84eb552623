using System.Globalization;
using BenchmarkDotNet.Attributes;
using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Bench.Training;

/// <summary>Issue 11's scheduling target: 8 digits networks (64-32-10, relu, softmax + cross-entropy; Adam at 0.001,
/// batch 32, the CLI's default train with 10% validation) trained by Trainer.FitMany on every core (degreeOfParallelism
/// 0) against the same 8 trainings one after another by Trainer.Fit on one thread each (the baseline). One operation
/// is all 8 trainings of <see cref="Epochs"/> epochs from the same initial weights (re-initialised inside the operation,
/// in both arms alike: a few microseconds against the trainings' milliseconds). The Ratio column is FitMany's time over
/// the sequential one: at most 1 / 1.8 = 0.56 on 2 cores is the target. The setup checks once that both arms leave
/// every network with the same bits (prints "same bits: yes").</summary>
[HideColumns("Error", "StdDev", "Median", "RatioSD", "EnvironmentVariables")]
public class ManyDigitsBench
{
    private const int Networks = 8;

    private readonly Network[] networks = new Network[Networks];
    private readonly Adam[] optimizers = new Adam[Networks];
    private readonly TrainingOptions[] options = new TrainingOptions[Networks];
    private Dataset digits = null!;

    /// <summary>Epochs of each training.</summary>
    [Params(10)]
    public int Epochs { get; set; }

    /// <summary>The networks, optimizers and options (seeds 1 to 8); checks that both arms give the same bits.</summary>
    [GlobalSetup]
    public void Setup()
    {
        digits = EmbeddedData.Digits();
        for (int i = 0; i < Networks; i++)
        {
            networks[i] = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
            optimizers[i] = new Adam(networks[i].Definition.ParameterCount);
            options[i] = new TrainingOptions
            {
                Epochs = Epochs,
                BatchSize = 32,
                LearningRate = 0.001f,
                Optimizer = optimizers[i],
                ValidationFraction = 0.1,
                Seed = (ulong)i + 1,
                DegreeOfParallelism = 1,
            };
        }
        Sequential();
        float[][] alone = [.. networks.Select(n => n.Parameters.ToArray())];
        Many();
        bool same = networks.Select((n, i) => n.Parameters.SequenceEqual(alone[i])).All(s => s);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// ManyDigits: {Networks} x 64-32-10 on {digits.Count} digits, {Epochs} epochs; {Environment.ProcessorCount} cores; same bits: {(same ? "yes" : "NO")}"));
        if (!same) throw new InvalidOperationException("FitMany's networks differ from Fit's: the benchmark would compare different work.");
    }

    /// <summary>The 8 trainings one after another, each on one thread.</summary>
    [Benchmark(Baseline = true)]
    public double Sequential()
    {
        double loss = 0;
        for (int i = 0; i < Networks; i++)
        {
            Restart(i);
            loss += Trainer.Fit(networks[i], digits, options[i]).Epochs[^1].TrainingLoss;
        }
        return loss;
    }

    /// <summary>The 8 trainings by FitMany on every core.</summary>
    [Benchmark]
    public double Many()
    {
        var jobs = new TrainingJob[Networks];
        for (int i = 0; i < Networks; i++)
        {
            Restart(i);
            jobs[i] = new TrainingJob(networks[i], digits, options[i]);
        }
        double loss = 0;
        foreach (TrainingOutcome outcome in Trainer.FitMany(jobs, degreeOfParallelism: 0)) loss += outcome.History!.Epochs[^1].TrainingLoss;
        return loss;
    }

    // Network i from its initial weights, its optimizer from zero.
    private void Restart(int i)
    {
        networks[i].InitializeWeights((ulong)i + 1);
        optimizers[i].Reset();
    }
}
