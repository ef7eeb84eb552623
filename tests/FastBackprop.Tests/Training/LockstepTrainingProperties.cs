using FastBackprop.Data;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static FastBackprop.Tests.Training.LockstepHarness;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Lock-step training against Fit over random groups: 1 to 10 jobs of one small regression network
// and one batch size, each with its own seed, weights, rows (so its own batch count), rate, epochs,
// schedule (none, per-epoch step decay, per-step cosine, one-cycle, reduce-on-plateau), validation
// (none, a fraction, explicit data), early stopping (patience, restore-best on or off), optimizer
// (plain SGD, momentum, Adam), shuffling and divergence (none, halving, thrown). Every job's
// weights, history, failure and callback sequence must be Fit's, bit for bit. FsCheck prints the
// failing group (and its seed to replay); the fixed cases are in LockstepTrainingTests.
// ---------------------------------------------------------------------------------------------

/// <summary>One job of a random group (see the file header); <paramref name="Rows"/> of the 200 regression rows, drawn from <paramref name="Seed"/>.</summary>
public sealed record LockstepJobSpec(ulong Seed, int Rows, int Epochs, float Rate, int Schedule, int Validation, int Patience, bool RestoreBest,
    int Optimizer, bool Shuffle, int Divergence);

/// <summary>A random group: its batch size and its jobs.</summary>
public sealed record LockstepGroupSpec(int BatchSize, LockstepJobSpec[] Jobs)
{
    public override string ToString() => $"batch {BatchSize}: {string.Join("; ", Jobs.Select(j => j.ToString()))}";
}

/// <summary>Random groups of lock-step training against Fit alone.</summary>
public class LockstepTrainingProperties
{
    private static readonly Dataset Data = TrainingSamples.Regression();
    private static readonly Dataset ValidationData = Data.Subset([.. Enumerable.Range(150, 50)]);

    private static Gen<ulong> Seed { get; } = Gen.Choose(0, int.MaxValue).Select(i => (ulong)i);

    private static Gen<LockstepJobSpec> Job(int batchSize) =>
        from seed in Seed
        from rows in Gen.Choose(Math.Max(batchSize, 10), 120)
        from epochs in Gen.Choose(1, 4)
        from rate in Gen.Elements(0.01f, 0.05f, 0.2f)
        from schedule in Gen.Choose(0, 4)
        from validation in Gen.Choose(0, 2)
        from patience in Gen.Choose(0, 2)
        from restoreBest in Gen.Elements(true, false)
        from optimizer in Gen.Choose(0, 2)
        from shuffle in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from divergence in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
        select new LockstepJobSpec(seed, rows, epochs, rate, schedule, validation, patience, restoreBest, optimizer, shuffle, divergence);

    private static Arbitrary<LockstepGroupSpec> Groups() =>
        (from batchSize in Gen.Elements(1, 3, 8, 16)
         from count in Gen.Choose(1, 10)
         from jobs in Job(batchSize).ArrayOf(count)
         select new LockstepGroupSpec(batchSize, jobs)).ToArbitrary();

    [Property(MaxTest = 40)]
    public Property Fit_RandomGroup_GivesEveryJobFitsBits() =>
        Prop.ForAll(Groups(), group =>
        {
            LockstepCase[] cases = [.. group.Jobs.Select((job, i) => Case(group.BatchSize, job, i))];
            AssertSameAsAlone(cases);
        });

    private static LockstepCase Case(int batchSize, LockstepJobSpec job, int index)
    {
        var random = new SeededRandom(job.Seed);
        var rows = new int[job.Rows];
        for (int i = 0; i < rows.Length; i++) rows[i] = random.NextInt32(150);   // a bootstrap sample of the first 150 rows
        return new LockstepCase($"job {index}: {job}", () => Network(job.Seed), Data, (network, recorder) => Options(batchSize, job, network, recorder), rows);
    }

    private static Network Network(ulong seed)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(6, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed);
        return network;
    }

    private static TrainingOptions Options(int batchSize, LockstepJobSpec job, Network network, LockstepRecorder recorder)
    {
        int steps = job.Epochs * ((job.Rows + batchSize - 1) / batchSize);
        var options = new TrainingOptions
        {
            Epochs = job.Epochs,
            BatchSize = batchSize,
            Seed = job.Seed,
            Shuffle = job.Shuffle,
            LearningRate = job.Divergence switch { 0 => job.Rate, 1 => 1e6f, _ => 1e12f },   // 1e6: halvings that recover
            EarlyStoppingPatience = job.Patience,
            RestoreBestWeights = job.RestoreBest,
            OnDivergence = job.Divergence == 1 ? DivergencePolicy.HalveLearningRate : DivergencePolicy.Throw,
            MaxLearningRateHalvings = 60,
            BatchCompleted = recorder.Batch,
            Progress = recorder,
            Optimizer = job.Optimizer switch
            {
                1 => new Sgd(network.Definition.ParameterCount, momentum: 0.9f),
                2 => new Adam(network.Definition.ParameterCount),
                _ => null,
            },
        };
        options = job.Validation switch
        {
            // The fraction must leave at least a batch: the rows are at least the batch size, so take it only when there is room.
            1 when job.Rows >= 2 * batchSize => options with { ValidationFraction = 0.25 },
            2 => options with { Validation = ValidationData },
            _ => options,
        };
        float rate = options.LearningRate;
        return job.Schedule switch
        {
            1 => options with { Schedule = LearningRateSchedule.StepDecay(rate, 2, 0.5f) },
            2 => options with { Schedule = LearningRateSchedule.Cosine(rate, steps), ScheduleUnit = ScheduleUnit.Step },
            3 => options with { Schedule = LearningRateSchedule.OneCycle(rate, steps), ScheduleUnit = ScheduleUnit.Step },
            4 => options with { Schedule = new ReduceOnPlateauSchedule(rate, factor: 0.5f, patience: 0) },
            _ => options,
        };
    }
}
