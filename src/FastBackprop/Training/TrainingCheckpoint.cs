using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Checkpoint file, version 4, in FastBackprop's framing (FramedFile: "FBPCHKPT", version, body,
// CRC-32). The body is whatever Exchange below lists, in that order, through StateSerializer:
//   the run it belongs to: training pattern count, batch size (int32), seed (uint64), shuffle (flag),
//     optimizer type name, network description (NetworkDefinition.ToString) (strings: int32 length + UTF-8),
//   the weights (int32 count + float32[]), the optimizer's state (int32 byte count + the bytes of
//     Optimizer.WriteState: step count, per-parameter buffers, the rule's history),
//   the TrainingState (TrainingState.Exchange: position, generator, halvings, early stopping, running
//     sums, reports; its halving mark holds an optimizer state too).
// Version 2 (before the optimizer state became a rule's own description) stored the optimizer as an
// int64 step count and a counted float block, which are byte for byte the format-3 state of every
// optimizer it knew; StateSerializer.OptimizerState reads them as such, so version 2 checkpoints resume.
// The network is stored as its parameters and a description, not as a model file, so a network with
// custom transfer functions (which model files cannot hold) checkpoints too; on resume the
// description must match the network's.
// Version 4 added the monitored metric to the early-stopping memory and the ReduceOnPlateauSchedule's state
// at the end of the TrainingState; a version 3 checkpoint reads as monitoring the loss with no plateau state
// (neither existed), and resumes unless the run now restores best weights that it did not keep (RestoreInto
// refuses that with a message).
// Version 1 checkpoints (before the state was written once) are not read: finish such a run with the
// build that started it, or start it again. A loaded version 2 or 3 checkpoint saves as version 4.
// ---------------------------------------------------------------------------------------------

/// <summary>The whole state of a training run at a batch boundary: weights, optimizer moments and
/// step count, generator state, epoch and position, early-stopping memory, history. Written by
/// <see cref="Trainer.Fit"/> when <see cref="TrainingOptions.CheckpointPath"/> is set; pass it back
/// as <c>resumeFrom</c> to continue bit-identically.</summary>
public sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "FBPCHKPT"u8;
    private const ushort FormatVersion = StateSerializer.CurrentVersion;
    private const ushort OldestReadableVersion = 2;

    // The state of "no optimizer" (plain SGD fused into the gradient product): step count 0, no buffers.
    private static readonly byte[] NoOptimizerState = new byte[12];

    private int trainingCount;
    private int batchSize;
    private ulong seed;
    private bool shuffle;
    private string optimizerName = "";
    private string network = "";
    private float[] parameters = [];
    private byte[] optimizerState = NoOptimizerState;
    private readonly TrainingState state = new(0);

    private TrainingCheckpoint()
    {
    }

    /// <summary>0-based epoch the run will continue in.</summary>
    public int Epoch => state.Epoch;

    /// <summary>0-based batch of <see cref="Epoch"/> the run will continue with.</summary>
    public int Batch => state.Batch;

    /// <summary>Reports of the epochs finished before the checkpoint.</summary>
    public IReadOnlyList<EpochReport> History => state.History;

    // The one list of the checkpoint's contents, in file order: Save writes it, Load reads it.
    private void Exchange(ref StateSerializer s)
    {
        s.Int32(ref trainingCount, "the training pattern count", minimum: 1);
        s.Int32(ref batchSize, "the batch size", minimum: 1);
        s.UInt64(ref seed);
        s.Boolean(ref shuffle);
        s.String(ref optimizerName);
        s.String(ref network);
        s.Floats(ref parameters);
        s.OptimizerState(ref optimizerState);
        state.Exchange(ref s);
    }

    internal static TrainingCheckpoint Capture(Network network, Optimizer? optimizer, TrainingState state, int trainingCount, TrainingOptions options)
    {
        var c = new TrainingCheckpoint
        {
            trainingCount = trainingCount,
            batchSize = options.BatchSize,
            seed = options.Seed,
            shuffle = options.Shuffle,
            optimizerName = optimizer?.GetType().Name ?? "",
            network = network.Definition.ToString(),
            parameters = network.Parameters.ToArray(),
            optimizerState = optimizer?.SaveState() ?? NoOptimizerState,
        };
        state.CopyTo(c.state);
        return c;
    }

    internal void RestoreInto(Network network, Optimizer? optimizer, TrainingState state, int count, TrainingOptions options)
    {
        if (count != trainingCount || options.BatchSize != batchSize || options.Seed != seed || options.Shuffle != shuffle)
        {
            throw new ArgumentException(
                $"resumeFrom was written by a run with {trainingCount} training patterns, batch size {batchSize}, seed {seed}, shuffle {shuffle}; " +
                $"this run has {count}, {options.BatchSize}, {options.Seed}, {options.Shuffle}. Resume with the same data and options.", "resumeFrom");
        }
        string written = optimizerName.Length == 0 ? "plain SGD" : optimizerName;
        if ((optimizer?.GetType().Name ?? "") != optimizerName)
        {
            throw new ArgumentException($"resumeFrom was written with optimizer '{written}'; this run uses '{optimizer?.GetType().Name ?? "plain SGD"}'.", "resumeFrom");
        }
        if (this.network != network.Definition.ToString() || parameters.Length != network.Parameters.Length)
        {
            throw new ArgumentException($"resumeFrom holds a {this.network} network with {parameters.Length} parameters; this one is {network.Definition} with {network.Parameters.Length}.", "resumeFrom");
        }
        try
        {
            optimizer?.ReadState(optimizerState, "resumeFrom's optimizer state");
        }
        catch (DataFormatException e)
        {
            throw new ArgumentException($"resumeFrom was written with optimizer '{written}' of other settings: {e.Message}", "resumeFrom", e);
        }
        parameters.CopyTo(network.Parameters);
        this.state.CopyTo(state);
    }

    /// <summary>Saves the checkpoint atomically (temporary file, flush, rename).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Serialize());
    }

    /// <summary>The bytes <see cref="Save"/> writes; with an older <paramref name="version"/> (tests), the bytes a build of
    /// that format wrote for the same state (whatever it did not know left out).</summary>
    internal byte[] Serialize(ushort version = FormatVersion)
    {
        FieldWriter writer = FramedFile.Begin(Magic, version);
        StateSerializer s = StateSerializer.Writing(writer, version);
        Exchange(ref s);
        return FramedFile.Seal(writer);
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a checkpoint of this version, or is truncated or corrupt.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    internal static TrainingCheckpoint Deserialize(ReadOnlySpan<byte> bytes, string sourceName)
    {
        FieldReader reader = FramedFile.Open(bytes, Magic, "checkpoint", 0, (OldestReadableVersion, FormatVersion), sourceName, out ushort version);
        var c = new TrainingCheckpoint();
        StateSerializer s = StateSerializer.Reading(reader, version);
        c.Exchange(ref s);
        if (s.Remaining != 0) throw s.Error($"{s.Remaining} unexpected bytes before the checksum.");
        string? problem = c.Inconsistency();
        if (problem is not null) throw DataFormatException.InSource(sourceName, $"the checkpoint is inconsistent: {problem}");
        return c;
    }

    // What no run writes (a valid CRC over such a file means it was not written by Fit).
    private string? Inconsistency()
    {
        int size = Math.Min(batchSize, trainingCount), batches = (trainingCount + size - 1) / size;
        if (state.Batch >= batches) return $"batch {state.Batch} of an epoch of {batches} batches.";
        if (state.Metrics.Patterns != state.Batch * size) return $"{state.Metrics.Patterns} patterns trained in the first {state.Batch} batches of {size}.";
        if (state.History.Count != state.Epoch) return $"{state.History.Count} epoch reports at epoch {state.Epoch}.";
        return null;
    }
}
