using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// One call of Trainer.Fit: the epoch loop over its parts, each allocated once.
//
//   BatchSource       the epoch's order and the gathered batches
//   BatchStep         one step through the network and the update (strategy chosen once)
//   DivergenceGuard   what a diverged step gives back, and the halving policy
//   EpochMetrics      the running sums of the epoch (in State)
//   EarlyStopping     the best epoch and its weights (in State)
//   LayerRandom       the dropout generator, lent to the step's workspace (in State)
//   TrainingCheckpoint  State, the weights and the optimizer, saved after every epoch
//
// Lock-step training (LockstepTraining) drives the same epoch from outside, one batch at a time,
// through TrainingRun.Lockstep.cs: BeginEpoch and FinishEpoch are shared, and a batch stepped in a
// lane completes through the same CompleteBatch as one stepped here.
//
// Determinism: the permutation of an epoch is drawn from a copy of the generator as it stood at
// the epoch's start (part of State, so of the checkpoint), batches are gathered in that order,
// and every kernel sums in a fixed order; so the same seed, data and options give the same bits,
// and a resumed run ends where an uninterrupted one does.
// ---------------------------------------------------------------------------------------------

/// <summary>The epoch loop of one <see cref="Trainer.Fit"/> call.</summary>
internal sealed partial class TrainingRun : IDisposable
{
    private readonly Network network;
    private readonly DatasetRows training;
    private readonly DatasetRows? validation;
    private readonly BatchSource? validationRows;   // the batches of a validation split's part, gathered in place
    private readonly TrainingOptions options;
    private readonly BatchSource source;
    private readonly BatchStep step;
    private readonly DivergenceGuard guard;
    private readonly BatchWorkspace? evaluation;
    private readonly StepThreads threads;   // one pool for the step and the evaluation
    private readonly SeededRandom shuffler = new(0);
    private readonly Stopwatch stopwatch = new();
    private readonly bool keepBest;   // RestoreBestWeights applies: validation data or a patience
    private readonly bool perStep;    // the schedule's counter is the step over the run
    private readonly ReduceOnPlateauSchedule? plateau;
    private readonly double? trainingWeight;   // Σ_p w_p of weighted training data (the epoch reports' divisor), else null
    private readonly int outputWidth;
    private float rate;
    private FinalWeights finalWeights;

    /// <summary>The run of <paramref name="options"/> on these rows on options.DegreeOfParallelism threads.</summary>
    public TrainingRun(Network network, DatasetRows training, DatasetRows? validation, TrainingOptions options)
        : this(network, training, validation, options, options.DegreeOfParallelism)
    {
    }

    /// <summary>The run of <paramref name="options"/> on these rows, its steps and evaluations on <paramref name="threads"/>
    /// threads (the caller's included): options.DegreeOfParallelism for Fit, a share of FitMany's budget for one of its jobs.</summary>
    public TrainingRun(Network network, DatasetRows training, DatasetRows? validation, TrainingOptions options, int threads)
    {
        this.network = network;
        this.training = training;
        this.validation = validation;
        this.options = options;
        State = new TrainingState(options.Seed);
        State.EarlyStopping.Begin(options.Monitor);
        keepBest = options.RestoreBestWeights && (validation is not null || options.EarlyStoppingPatience > 0);
        plateau = options.Schedule as ReduceOnPlateauSchedule;
        perStep = options.ScheduleUnit == ScheduleUnit.Step && options.Schedule is not null && plateau is null;
        trainingWeight = training.Data.HasWeights ? training.WeightSum() : null;
        outputWidth = network.Definition.OutputWidth;
        source = new BatchSource(training, options.BatchSize);
        this.threads = StepThreads.Shared(threads);
        step = BatchStep.Create(network, options, source.BatchSize, State.LayerRandom, this.threads);
        guard = new DivergenceGuard(network, options, step, source, State.LayerRandom, perStep ? StepRate : null);
        if (validation is null) return;
        evaluation = this.threads.Workspace(network.Definition, Trainer.EvaluationBatchFor(validation.Count));
        validationRows = validation.IsWhole ? null : new BatchSource(validation, evaluation.Capacity);
    }

    /// <summary>Where the run is; a resumed run overwrites it before <see cref="Execute"/>.</summary>
    public TrainingState State { get; }

    /// <summary>Refuses a resumed state that this run cannot continue as an uninterrupted one would.</summary>
    /// <exception cref="ArgumentException">It monitors another figure, or it kept no best weights that this run restores.</exception>
    public void CheckResumed()
    {
        EarlyStopping memory = State.EarlyStopping;
        if (memory.Monitor != options.Monitor)
        {
            throw new ArgumentException($"resumeFrom was written by a run that monitors the {memory.Monitor.ToString().ToLowerInvariant()}; this run monitors the {options.Monitor.ToString().ToLowerInvariant()} (options.Monitor). Resume with the same options.", "resumeFrom");
        }
        if (keepBest && memory.BestEpoch > 0 && !memory.HasBestWeights)
        {
            throw new ArgumentException($"resumeFrom kept no copy of the weights of its best epoch ({memory.BestEpoch}), which this run would restore at the end: it was written with RestoreBestWeights off, or by a version that kept them only with a patience. Resume with RestoreBestWeights = false, or start the run again.", "resumeFrom");
        }
    }

    public TrainingHistory Execute(CancellationToken cancellationToken)
    {
        if (State.EarlyStopped)
        {
            // The checkpoint was saved with the best weights restored, if they were to be.
            finalWeights = keepBest && State.EarlyStopping.HasBestWeights ? FinalWeights.BestEpoch : FinalWeights.LastBatch;
            return Stop(StopReason.EarlyStopped);
        }
        return TrainRemainingEpochs(cancellationToken);
    }

    public void Dispose()
    {
        step.Dispose();
        evaluation?.Dispose();
        threads.Dispose();
    }

    // The epochs from State.Epoch (at a batch of 0, or of a resumed checkpoint) to the end of the run.
    private TrainingHistory TrainRemainingEpochs(CancellationToken cancellationToken)
    {
        while (State.Epoch < options.Epochs)
        {
            BeginEpoch();
            if (!TrainBatches(cancellationToken)) return Stop(StopReason.Cancelled);
            if (FinishEpoch()) return Stop(StopReason.EarlyStopped);
        }
        return Complete();
    }

    // All epochs ran: early stopping still hands back its best epoch.
    private TrainingHistory Complete()
    {
        finalWeights = RestoreBest();
        return Stop(StopReason.Completed);
    }

    // The epoch's order and rate, and the divergence guard's mark of its start (the network holds the epoch's start).
    private void BeginEpoch()
    {
        shuffler.CopyFrom(State.EpochStartRandom);
        source.SetOrder(shuffler, options.Shuffle);
        rate = perStep ? StepRate(State.Batch) : LearningRate(State.Epoch) * MathF.ScaleB(1f, -State.Halvings);
        stopwatch.Restart();
        guard.MarkEpochStart(State, rate);
    }

    // Trains the rest of the epoch in progress; false when cancelled (after saving a checkpoint).
    private bool TrainBatches(CancellationToken cancellationToken)
    {
        int last = network.Definition.LayerCount - 1;
        while (State.Batch < source.BatchCount)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint();
                return false;
            }
            Batch batch = source.Gather(State.Batch);
            if (perStep) rate = StepRate(State.Batch);
            StepResult result = step.Run(batch, rate);
            if (result.Failure is not null)
            {
                rate = guard.Recover(result, State, rate);   // throws, or rewinds State to the epoch's mark and halves the rate
                continue;
            }
            CompleteBatch(result.LossSum, step.Outputs(last, batch.Count), batch);
        }
        return true;
    }

    // A finite step of the batch in progress: its sums, its report, and on to the next batch (inlined into Fit's loop).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CompleteBatch(float lossSum, ReadOnlySpan<float> outputs, in Batch batch)
    {
        State.Metrics.Add(lossSum, outputs, batch, outputWidth);
        options.BatchCompleted?.Invoke(new BatchReport(State.Epoch + 1, State.Batch, source.BatchCount, lossSum / batch.Count, State.Metrics.Patterns));
        State.Batch++;
    }

    // Validates, reports and checkpoints the finished epoch; true when early stopping ends the run.
    private bool FinishEpoch()
    {
        Evaluation? validated = Validate();
        stopwatch.Stop();
        int epoch = State.Epoch + 1;
        EpochReport report = State.Metrics.ToReport(epoch, training.Data.HasLabels, network.Definition.OutputWidth, validated, rate, stopwatch.Elapsed, trainingWeight);
        State.History.Add(report);
        State.EpochStartRandom.CopyFrom(shuffler);   // the next epoch draws on from here
        options.Progress?.Report(report);
        State.Epoch++;
        State.Batch = 0;
        State.Metrics = default;
        double monitored = Monitored(report, validated);
        plateau?.Observe(State.Plateau, monitored);
        double score = EarlyStopping.Score(options.Monitor, monitored);
        bool stop = State.EarlyStopping.Observe(epoch, score, network.Parameters, options.EarlyStoppingPatience, options.EarlyStoppingMinDelta, keepBest);
        if (stop)
        {
            finalWeights = RestoreBest();
            State.EarlyStopped = true;
        }
        SaveCheckpoint();
        return stop;
    }

    // The validation data's evaluation, if there is validation data.
    private Evaluation? Validate()
    {
        if (evaluation is null) return null;
        return validationRows is null ? Trainer.Score(network, validation!.Data, evaluation, "options.Validation")
            : Trainer.Score(network, validationRows, evaluation, "data (its validation part)");
    }

    // The figure of options.Monitor: the validation figure, else the training figure (accuracy: labelled data, checked by Fit).
    private double Monitored(EpochReport report, Evaluation? validated) => options.Monitor == MonitoredMetric.Accuracy
        ? (validated is null ? report.TrainingAccuracy : validated.Accuracy).GetValueOrDefault(double.NaN)
        : validated?.Loss ?? report.TrainingLoss;

    // The best epoch's weights, if the run restores them and kept any.
    private FinalWeights RestoreBest() =>
        keepBest && State.EarlyStopping.RestoreBest(network.Parameters) ? FinalWeights.BestEpoch : FinalWeights.LastBatch;

    // The schedule's rate is checked here, once per epoch (or step): a custom schedule may return anything.
    private float LearningRate(int epoch)
    {
        if (options.Schedule is null) return options.LearningRate;
        if (plateau is not null)
        {
            if (!State.Plateau.Started) State.Plateau.Start(plateau.InitialRate, options.Monitor == MonitoredMetric.Accuracy);
            return (float)State.Plateau.Rate;
        }
        return Checked(options.Schedule.Rate(epoch), epoch, "epoch");
    }

    // The rate of batch `batch` of the epoch in progress when the schedule counts steps: its step over the whole run,
    // halved as often as divergence halved the run's rate.
    private float StepRate(int batch)
    {
        long counter = (long)State.Epoch * source.BatchCount + batch;
        int at = (int)Math.Min(counter, int.MaxValue);   // Fit checks that the run's steps fit an int
        return Checked(options.Schedule!.Rate(at), at, "step") * MathF.ScaleB(1f, -State.Halvings);
    }

    private static float Checked(float scheduled, int counter, string unit)
    {
        if (!(float.IsFinite(scheduled) && scheduled >= 0))
        {
            throw new ArgumentOutOfRangeException("options.Schedule", scheduled, $"options.Schedule gives the rate {scheduled} for {unit} {counter}; expected a finite number, 0 or more.");
        }
        return scheduled;
    }

    private void SaveCheckpoint()
    {
        if (options.CheckpointPath is null) return;
        TrainingCheckpoint.Capture(network, options.Optimizer, State, training.Count, options).Save(options.CheckpointPath);
    }

    private TrainingHistory Stop(StopReason reason) =>
        new([.. State.History], reason, State.EarlyStopping.BestEpoch, State.Halvings, finalWeights);
}
