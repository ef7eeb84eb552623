using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Sweeps;

/// <summary>A hyper-parameter sweep: grid or seeded random search over a <see cref="SweepSpace"/>, every
/// configuration trained once per seed through <see cref="Trainer.FitMany"/> with a validation split and scored on it.</summary>
/// <remarks>
/// <para>Training (configuration c, seed s) is exactly <c>Trainer.Fit(network, data, options)</c> with the network
/// <see cref="CreateNetwork"/>(c) initialised by <c>InitializeWeights(s)</c> and the options <see cref="OptionsFor"/>(c, s):
/// <see cref="Options"/> with c's learning rate, a fresh optimizer from c's <see cref="SweepOptimizer"/> (with c's
/// weight decay), seed s, and a stratified validation split for labelled data. Nothing depends on the other
/// configurations, on the shard or on the order of training, so a configuration's figures are the same bits wherever it runs.</para>
/// <para>Score: the figures of the epoch whose weights the training ends with (the best epoch by
/// <see cref="TrainingOptions.Monitor"/> when the best weights are restored, the default with validation data), averaged over
/// the seeds. The best configuration has the highest mean validation accuracy (labelled data) or the lowest mean
/// validation loss (otherwise); ties go to the lowest configuration index, as scikit-learn's <c>best_index_</c> is the
/// first of rank 1; a configuration with a failed (diverged) training is never the best.</para>
/// </remarks>
public sealed class Sweep
{
    /// <summary>A sweep of <paramref name="configurations"/> (from <see cref="SweepSpace.Grid"/> or
    /// <see cref="SweepSpace.Random"/> of <paramref name="space"/>).</summary>
    /// <param name="space">The space: its seeds are the trainings' seeds.</param>
    /// <param name="configurations">The configurations, numbered 0 to C-1 in this order.</param>
    /// <param name="createNetwork">A new network, its weights not yet initialised, for a configuration (its width and
    /// depth); see <see cref="DenseNetworks"/>.</param>
    /// <exception cref="ArgumentException">The space is invalid, or a configuration's Index is not its position.</exception>
    public Sweep(SweepSpace space, IReadOnlyList<SweepConfiguration> configurations, Func<SweepConfiguration, Network> createNetwork)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(configurations);
        ArgumentNullException.ThrowIfNull(createNetwork);
        space.Validate();
        if (configurations.Count == 0) throw new ArgumentException("configurations is empty.", nameof(configurations));
        for (int i = 0; i < configurations.Count; i++)
        {
            if (configurations[i] is null || configurations[i].Index != i)
            {
                throw new ArgumentException($"configurations[{i}] is {(configurations[i] is null ? "null" : $"numbered {configurations[i].Index}")}; expected the configurations numbered 0 to C-1 in order.", nameof(configurations));
            }
        }
        Space = space;
        Configurations = configurations;
        CreateNetwork = createNetwork;
    }

    /// <summary>The space.</summary>
    public SweepSpace Space { get; }

    /// <summary>The configurations, numbered 0 to C-1.</summary>
    public IReadOnlyList<SweepConfiguration> Configurations { get; }

    /// <summary>Makes a configuration's network (weights not yet initialised).</summary>
    public Func<SweepConfiguration, Network> CreateNetwork { get; }

    /// <summary>The options every training starts from (epochs, batch size, schedule, early stopping, ...); the
    /// learning rate, optimizer and seed are replaced per training. Needs a validation split
    /// (<see cref="TrainingOptions.ValidationFraction"/> above 0) or <see cref="TrainingOptions.Validation"/> data.
    /// Default: <see cref="TrainingOptions"/>' defaults with <c>ValidationFraction = 0.1</c>.</summary>
    public TrainingOptions Options { get; init; } = new() { ValidationFraction = 0.1 };

    /// <summary>Whether the validation split of labelled data keeps each class's share
    /// (<see cref="TrainingOptions.StratifiedValidation"/>, as scikit-learn's MLPClassifier); regression data is split
    /// at random either way. Default true.</summary>
    public bool StratifyLabelled { get; init; } = true;

    /// <summary>Jobs per <see cref="Trainer.FitMany"/> call: progress is reported after each call. Results do not depend on it.</summary>
    private static int JobsPerCall => Math.Max(32, 4 * Environment.ProcessorCount);

    /// <summary>A network factory for dense networks: <paramref name="inputs"/> inputs, Depth hidden layers of Width units
    /// with <paramref name="hidden"/>, and <paramref name="outputs"/> outputs with <paramref name="output"/> and <paramref name="loss"/>.</summary>
    public static Func<SweepConfiguration, Network> DenseNetworks(int inputs, int outputs, TransferFunction hidden, TransferFunction output, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(loss);
        return c =>
        {
            var layers = new Layer[c.Depth + 1];
            for (int l = 0; l < c.Depth; l++) layers[l] = new Dense(c.Width, hidden);
            layers[^1] = new Dense(outputs, output);
            return new Network(inputs, loss, layers);
        };
    }

    /// <summary>The options of training (<paramref name="configuration"/>, <paramref name="seed"/>) on
    /// <paramref name="data"/>, its optimizer sized for <paramref name="parameterCount"/> parameters.</summary>
    public TrainingOptions OptionsFor(SweepConfiguration configuration, ulong seed, Dataset data, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(data);
        SweepOptimizer optimizer = configuration.Optimizer;
        return Options with
        {
            LearningRate = configuration.LearningRate,
            Optimizer = optimizer.Create(parameterCount, configuration.WeightDecay),
            Seed = seed,
            BatchSize = optimizer.BatchSize ?? Options.BatchSize,
            Epochs = optimizer.Epochs ?? Options.Epochs,
            StratifiedValidation = Options.ValidationFraction > 0 && data.HasLabels ? StratifyLabelled : Options.StratifiedValidation,
        };
    }

    /// <summary>The job of training (<paramref name="configuration"/>, <paramref name="seed"/>): a new network from
    /// <see cref="CreateNetwork"/> initialised from the seed, and <see cref="OptionsFor"/>.</summary>
    public TrainingJob Job(SweepConfiguration configuration, ulong seed, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Network network = CreateNetwork(configuration) ?? throw new InvalidOperationException($"CreateNetwork returned null for configuration {configuration.Index}.");
        network.InitializeWeights(seed);
        return new TrainingJob(network, data, OptionsFor(configuration, seed, data, network.Definition.ParameterCount));
    }

    /// <summary>Trains the shard's configurations, each once per seed, and returns their results in configuration order.</summary>
    /// <param name="data">The data; each training holds out its own validation split of it.</param>
    /// <param name="shard">Which configurations to train (default: all).</param>
    /// <param name="degreeOfParallelism">As for <see cref="Trainer.FitMany"/>.</param>
    /// <param name="progress">Receives each configuration's result once all its seeds are trained, in configuration order.</param>
    /// <param name="cancellationToken">Stops the sweep after the trainings under way (they stop after their batch).</param>
    /// <exception cref="ArgumentException">The options have no validation data, or a job's arguments are invalid
    /// (thrown before any training, naming the configuration).</exception>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public IReadOnlyList<SweepResult> Run(Dataset data, SweepShard shard = default, int degreeOfParallelism = 0, IProgress<SweepResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Run(_ => data, shard, degreeOfParallelism, progress, cancellationToken);
    }

    /// <summary>As <see cref="Run(Dataset, SweepShard, int, IProgress{SweepResult}?, CancellationToken)"/>, with the data
    /// of the trainings of seed s given by <paramref name="dataForSeed"/>(s): for inputs scaled by statistics of the
    /// training part of seed s's validation split only, as <c>fastbackprop train</c> scales them. The data sets of
    /// all seeds must have the same rows in the same order (the split is made by the trainer, from the seed).</summary>
    public IReadOnlyList<SweepResult> Run(Func<ulong, Dataset> dataForSeed, SweepShard shard = default, int degreeOfParallelism = 0, IProgress<SweepResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataForSeed);
        if (!(Options.ValidationFraction > 0) && Options.Validation is null)
        {
            throw new ArgumentException("Options has no validation data: a sweep scores each configuration on a validation split; set ValidationFraction above 0 (or Validation).", nameof(Options));
        }
        var mine = new List<SweepConfiguration>();
        foreach (SweepConfiguration c in Configurations)
        {
            if (shard.Contains(c.Index)) mine.Add(c);
        }
        int perCall = Math.Max(1, JobsPerCall / Space.Seeds.Count);
        var results = new List<SweepResult>(mine.Count);
        for (int start = 0; start < mine.Count; start += perCall)
        {
            List<SweepConfiguration> group = mine.GetRange(start, Math.Min(perCall, mine.Count - start));
            foreach (SweepResult result in RunGroup(group, dataForSeed, degreeOfParallelism, cancellationToken))
            {
                results.Add(result);
                progress?.Report(result);
            }
        }
        return results;
    }

    // One FitMany call for the group's configurations × seeds; a cancelled call ends the sweep (its figures are partial).
    private List<SweepResult> RunGroup(List<SweepConfiguration> group, Func<ulong, Dataset> dataForSeed, int degreeOfParallelism, CancellationToken cancellationToken)
    {
        IReadOnlyList<ulong> seeds = Space.Seeds;
        var data = new Dataset[seeds.Count];
        for (int s = 0; s < data.Length; s++) data[s] = dataForSeed(seeds[s]) ?? throw new InvalidOperationException($"dataForSeed returned null for seed {seeds[s]}.");
        var jobs = new List<TrainingJob>(group.Count * seeds.Count);
        foreach (SweepConfiguration c in group)
        {
            for (int s = 0; s < seeds.Count; s++)
            {
                ulong seed = seeds[s];
                try
                {
                    jobs.Add(Job(c, seed, data[s]));
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"configuration {c.Index} ({Describe(c)}), seed {seed}: {e.Message}", e.ParamName, e);
                }
            }
        }
        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(jobs, degreeOfParallelism, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new List<SweepResult>(group.Count);
        for (int i = 0; i < group.Count; i++)
        {
            var runs = new SweepRun[seeds.Count];
            for (int s = 0; s < seeds.Count; s++) runs[s] = SweepRun.From(seeds[s], outcomes[i * seeds.Count + s], data[s].HasLabels);
            results.Add(new SweepResult(group[i], runs));
        }
        return results;
    }

    /// <summary>The best result by the rule in the remarks, or null when every configuration has a failed training.</summary>
    public static SweepResult? Best(IReadOnlyList<SweepResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        SweepResult? best = null;
        foreach (SweepResult r in results)
        {
            if (!double.IsNaN(r.Score) && (best is null || r.IsBetterThan(best))) best = r;
        }
        return best;
    }

    /// <summary>Combines shard results (from <see cref="Run(Dataset, SweepShard, int, IProgress{SweepResult}?, CancellationToken)"/> with shards 0..N-1 of this sweep, in any order) into
    /// the results of the whole sweep, in configuration order: the same list <see cref="Run(Dataset, SweepShard, int, IProgress{SweepResult}?, CancellationToken)"/> gives unsharded.</summary>
    /// <exception cref="ArgumentException">A configuration is in two shards, or in none.</exception>
    public IReadOnlyList<SweepResult> Merge(IEnumerable<IReadOnlyList<SweepResult>> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var all = new SweepResult?[Configurations.Count];
        foreach (IReadOnlyList<SweepResult> shard in shards)
        {
            foreach (SweepResult r in shard)
            {
                int c = r.Configuration.Index;
                if ((uint)c >= (uint)all.Length) throw new ArgumentException($"a result is for configuration {c}, but the sweep has configurations 0 to {all.Length - 1}.", nameof(shards));
                if (all[c] is not null) throw new ArgumentException($"configuration {c} is in two shards' results.", nameof(shards));
                all[c] = r;
            }
        }
        int missing = Array.FindIndex(all, r => r is null);
        if (missing >= 0) throw new ArgumentException($"configuration {missing} is in no shard's results ({all.Count(r => r is null)} of {all.Length} missing).", nameof(shards));
        return all!;
    }

    /// <summary>Trains <paramref name="configuration"/> on all of <paramref name="data"/> (no validation split) from the
    /// space's first seed, with the options its sweep trainings had otherwise (scikit-learn's <c>refit</c>): the model to keep.</summary>
    public (Network Network, TrainingHistory History) Refit(SweepConfiguration configuration, Dataset data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(data);
        ulong seed = Space.Seeds[0];
        Network network = CreateNetwork(configuration);
        network.InitializeWeights(seed);
        TrainingOptions options = OptionsFor(configuration, seed, data, network.Definition.ParameterCount) with
        {
            ValidationFraction = 0,
            Validation = null,
            StratifiedValidation = false,
        };
        return (network, Trainer.Fit(network, data, options, cancellationToken: cancellationToken));
    }

    /// <summary>"lr 0.01, width 32, depth 1, adam, weight decay 0".</summary>
    public static string Describe(SweepConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return FormattableString.Invariant($"learning rate {configuration.LearningRate}, width {configuration.Width}, depth {configuration.Depth}, {configuration.Optimizer.Name}, weight decay {configuration.WeightDecay}");
    }
}
