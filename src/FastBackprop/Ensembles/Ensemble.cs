using System.Numerics.Tensors;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>K trained models of one shape whose outputs are combined by averaging or by majority vote
/// (<see cref="Voting"/>); saved and loaded as one file (<see cref="EnsembleFile"/>).</summary>
/// <remarks>Build it with <see cref="Train"/> (K members of one network definition, different seeds, optionally bagged)
/// or from models trained any other way. Each member keeps its own input scaling and target scaling
/// (<see cref="Model"/>), so the ensemble predicts from raw rows. Like <see cref="Model.Predict"/>, <see cref="Predict"/>
/// may be called from any number of threads at once (not while a member trains).</remarks>
public sealed class Ensemble
{
    /// <summary>The most members an ensemble holds (and an ensemble file may declare).</summary>
    public const int MaxMembers = 1024;

    // Above this many outputs Predict's two scratch rows come from the heap rather than the stack.
    private const int StackOutputs = 256;

    private readonly Model[] members;

    /// <summary>An ensemble of <paramref name="members"/> combined by <paramref name="voting"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="members"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException">No members or more than <see cref="MaxMembers"/>; members with different input
    /// or output widths; <see cref="Voting.Hard"/> with fewer than 2 outputs (no classes to vote for); an undefined voting.</exception>
    public Ensemble(IEnumerable<Model> members, Voting voting)
    {
        ArgumentNullException.ThrowIfNull(members);
        this.members = [.. members];
        if (this.members.Length is 0 or > MaxMembers)
        {
            throw new ArgumentException($"members has {this.members.Length} models; expected 1 to {MaxMembers}.", nameof(members));
        }
        if (!Enum.IsDefined(voting)) throw new ArgumentException($"voting is {(int)voting}; expected Soft or Hard.", nameof(voting));
        for (int m = 0; m < this.members.Length; m++)
        {
            NetworkDefinition d = (this.members[m] ?? throw new ArgumentNullException(nameof(members), $"members[{m}] is null.")).Network.Definition;
            NetworkDefinition first = this.members[0].Network.Definition;
            if (d.InputWidth != first.InputWidth || d.OutputWidth != first.OutputWidth)
            {
                throw new ArgumentException($"members[{m}] has {d.InputWidth} inputs and {d.OutputWidth} outputs; members[0] has {first.InputWidth} and {first.OutputWidth}.", nameof(members));
            }
        }
        OutputWidth = this.members[0].Network.Definition.OutputWidth;
        if (voting == Voting.Hard && OutputWidth < 2)
        {
            throw new ArgumentException($"hard voting needs a class per output, at least 2; the members have {OutputWidth} output.", nameof(voting));
        }
        Voting = voting;
    }

    /// <summary>The members, in member order.</summary>
    public IReadOnlyList<Model> Members => members;

    /// <summary>How the members' outputs are combined.</summary>
    public Voting Voting { get; }

    /// <summary>The raw input width every member takes.</summary>
    public int InputWidth => members[0].Network.Definition.InputWidth;

    /// <summary>The output width every member gives.</summary>
    public int OutputWidth { get; }

    /// <summary>Member <paramref name="member"/>'s seed: <paramref name="seed"/> + <paramref name="member"/> (wrapping),
    /// used for its initial weights (<see cref="Network.InitializeWeights(ulong)"/>), its
    /// <see cref="TrainingOptions.Seed"/> and its bootstrap sample.</summary>
    public static ulong MemberSeed(ulong seed, int member) => unchecked(seed + (ulong)member);

    /// <summary>The bootstrap sample of a member with seed <paramref name="memberSeed"/>: <paramref name="count"/> rows drawn
    /// uniformly with replacement (scikit-learn's BaggingClassifier draws n of n), ascending. Drawn by
    /// <see cref="SeededRandom"/>(memberSeed ^ 0xB007_5742_B007_5742), a stream apart from the member's shuffle.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static int[] BootstrapRows(int count, ulong memberSeed)
    {
        ThrowHelper.CheckAtLeast(count, 1, nameof(count));
        var random = new SeededRandom(memberSeed ^ 0xB007_5742_B007_5742UL);
        var rows = new int[count];
        for (int i = 0; i < count; i++) rows[i] = random.NextInt32(count);
        Array.Sort(rows);
        return rows;
    }

    /// <summary>Trains <paramref name="settings"/>.Members networks of <paramref name="definition"/> through
    /// <see cref="Trainer.FitMany"/>: member m is initialised with <see cref="MemberSeed"/>(Seed, m) and trained with
    /// <paramref name="options"/> whose <see cref="TrainingOptions.Seed"/> is that seed (and whose optimizer is a fresh one from
    /// <see cref="EnsembleOptions.CreateOptimizer"/>), on every row or on its bootstrap
    /// sample, so it equals the network <c>Trainer.Fit</c> gives alone with that seed (on <c>data.Subset(BootstrapRows(...))</c>
    /// when bagging), bit for bit. Each member's model carries <paramref name="data"/>'s <see cref="Dataset.Scaling"/>.</summary>
    /// <param name="definition">The members' network.</param>
    /// <param name="data">The training data, as the networks take it.</param>
    /// <param name="options">Every member's options but the seed (<see cref="TrainingOptions.Progress"/> may be called from
    /// several threads, for several members).</param>
    /// <param name="settings">Member count, seed, bagging, voting; null for the defaults.</param>
    /// <param name="cancellationToken">Stops every member's training after its current batch (the members are kept as they stand).</param>
    /// <exception cref="ArgumentException">Members out of range; hard voting on data without labels; options with a
    /// checkpoint path (every member would write it), or with an optimizer but no <see cref="EnsembleOptions.CreateOptimizer"/>; or what <see cref="Trainer.Fit"/> refuses, naming the member.</exception>
    /// <exception cref="TrainingDivergedException">A member's training diverged (the message names the member).</exception>
    public static Ensemble Train(NetworkDefinition definition, Dataset data, TrainingOptions options, EnsembleOptions? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        settings ??= new EnsembleOptions();
        if (settings.Members is < 1 or > MaxMembers)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Members, $"settings.Members is {settings.Members}; expected 1 to {MaxMembers}.");
        }
        if (settings.Voting == Voting.Hard && !data.HasLabels) throw new ArgumentException("hard voting needs class labels; the data has targets only (use Voting.Soft).", nameof(settings));
        var jobs = new TrainingJob[settings.Members];
        for (int m = 0; m < jobs.Length; m++)
        {
            ulong seed = MemberSeed(settings.Seed, m);
            var network = new Network(definition);
            network.InitializeWeights(seed);
            TrainingOptions own = OptimizerPerTraining.For(options, settings.CreateOptimizer, "settings.CreateOptimizer", "member") with { Seed = seed };
            jobs[m] = new TrainingJob(network, data, own, settings.Bootstrap ? BootstrapRows(data.Count, seed) : null);
        }
        IReadOnlyList<TrainingOutcome> outcomes = Trainer.FitMany(jobs, settings.DegreeOfParallelism, cancellationToken);
        var models = new Model[jobs.Length];
        for (int m = 0; m < jobs.Length; m++)
        {
            if (outcomes[m].Failure is { } failure) throw new TrainingDivergedException($"member {m} (seed {MemberSeed(settings.Seed, m)}): {failure.Message}", failure);
            models[m] = new Model(jobs[m].Network, data);
        }
        return new Ensemble(models, settings.Voting);
    }

    /// <summary>The combined outputs for one raw input row: the mean of the members' outputs (<see cref="Voting.Soft"/>) or the
    /// members' vote shares (<see cref="Voting.Hard"/>), each member's output as <see cref="Model.Predict"/> gives it.</summary>
    /// <param name="input">One raw input row.</param>
    /// <param name="output">Receives <see cref="OutputWidth"/> values.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or an input is not finite.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, OutputWidth, nameof(output));
        // Scratch per call, not per ensemble: concurrent calls must not share it (Model.Predict is thread-safe).
        Span<float> memberOutput = OutputWidth <= StackOutputs ? stackalloc float[OutputWidth] : new float[OutputWidth];
        Span<double> sums = OutputWidth <= StackOutputs ? stackalloc double[OutputWidth] : new double[OutputWidth];
        sums.Clear();
        foreach (Model member in members)
        {
            member.Predict(input, memberOutput);
            Add(memberOutput, sums, Voting);
        }
        Combine(sums, members.Length, output);
    }

    /// <summary>The ensemble's class for one raw input row: the first largest of <see cref="Predict"/>'s outputs, so with
    /// hard voting the class with the most votes, the lowest index on a tie.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Predict"/>.</exception>
    public int PredictClass(ReadOnlySpan<float> input)
    {
        var output = new float[OutputWidth];
        Predict(input, output);
        return TensorPrimitives.IndexOfMax(output);
    }

    /// <summary>The ensemble's accuracy (labelled data) or mean squared error (regression) on <paramref name="data"/>, from
    /// the combined outputs of every row, and each member's own evaluation (whose mean loss is the ensemble's loss figure,
    /// <see cref="EnsembleEvaluation.MeanMemberLoss"/>). With sample weights the accuracy and error are weighted means.</summary>
    /// <param name="data">Raw data, or data scaled as the members' training data was (see <see cref="Model.ScaleInputs"/>); raw targets.</param>
    /// <exception cref="ArgumentException">As for <see cref="Model.Evaluate"/>.</exception>
    public EnsembleEvaluation Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var evaluations = new Evaluation[members.Length];
        for (int m = 0; m < members.Length; m++) evaluations[m] = members[m].Evaluate(data);
        float[] combined = CombinedOutputs(data);
        ReadOnlySpan<float> weights = data.Weights;
        double right = 0, squares = 0, weightSum = 0;
        for (int p = 0; p < data.Count; p++)
        {
            double w = weights.IsEmpty ? 1 : weights[p];
            ReadOnlySpan<float> y = combined.AsSpan(p * OutputWidth, OutputWidth);
            if (data.HasLabels)
            {
                if (TensorPrimitives.IndexOfMax(y) == data.GetLabel(p)) right += w;
            }
            else
            {
                ReadOnlySpan<float> d = data.GetTarget(p);
                for (int k = 0; k < y.Length; k++) squares += w * ((double)y[k] - d[k]) * ((double)y[k] - d[k]);
            }
            weightSum += w;
        }
        return data.HasLabels
            ? new EnsembleEvaluation(data.Count, right / weightSum, null, evaluations)
            : new EnsembleEvaluation(data.Count, null, squares / (weightSum * OutputWidth), evaluations);
    }

    // Every row's combined outputs: each member's batch predictions (inputs scaled, outputs mapped back to target units,
    // as Model.Predict does row by row) added in member order, then combined.
    private float[] CombinedOutputs(Dataset data)
    {
        int width = OutputWidth, batch = Math.Min(256, Math.Max(1, data.Count));
        var total = new double[data.Count * width];
        var y = new float[batch * width];
        foreach (Model member in members)
        {
            Dataset scaled = member.ScaleInputs(data);
            using BatchWorkspace workspace = member.Network.CreateBatchWorkspace(batch);
            for (int start = 0; start < data.Count; start += batch)
            {
                int count = Math.Min(batch, data.Count - start);
                Span<float> outputs = y.AsSpan(0, count * width);
                member.Network.PredictBatch(scaled.GetInputs(start, count), outputs, workspace);
                member.TargetScaling?.InvertInPlace(outputs);
                for (int p = 0; p < count; p++) Add(outputs.Slice(p * width, width), total.AsSpan((start + p) * width, width), Voting);
            }
        }
        var combined = new float[total.Length];
        for (int p = 0; p < data.Count; p++) Combine(total.AsSpan(p * width, width), members.Length, combined.AsSpan(p * width, width));
        return combined;
    }

    // Soft: the output added in double; hard: one vote for the member's class (its first largest output).
    private static void Add(ReadOnlySpan<float> output, Span<double> sums, Voting voting)
    {
        if (voting == Voting.Hard)
        {
            sums[TensorPrimitives.IndexOfMax(output)] += 1;
            return;
        }
        for (int k = 0; k < output.Length; k++) sums[k] += output[k];
    }

    // The mean (soft) or the vote shares (hard): the sum over the members divided by their count, rounded once.
    private static void Combine(ReadOnlySpan<double> sums, int count, Span<float> output)
    {
        for (int k = 0; k < output.Length; k++) output[k] = (float)(sums[k] / count);
    }
}
