using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Checkpoint file, version 1, little-endian, CRC-32 of everything before the last 4 bytes:
//   "FBPCHKPT", version (uint16),
//   the run's fingerprint: training pattern count (int32), batch size (int32), seed (uint64),
//     shuffle (uint8), optimizer type name (string),
//   the network as a model file (int32 length + bytes, see ModelFile),
//   optimizer step count (int64), state length (int32), state (float32[]),
//   epoch, batch (int32), generator state (4 x uint64), halvings (int32),
//   best loss (float64), best epoch, epochs since best (int32), best parameters (int32 count + float32[]),
//   running sums: loss (float64), correct (int64), squared error (float64), patterns (int32),
//   history: count (int32), then per epoch the numbers of an EpochReport (validation confusion
//     matrices are not kept: the reports after a resume carry loss, accuracy and MSE).
// Strings are int32 byte length + UTF-8.
// ---------------------------------------------------------------------------------------------

/// <summary>The whole state of a training run at a batch boundary: weights, optimizer moments and
/// step count, generator state, epoch and position, early-stopping memory, history. Written by
/// <see cref="Trainer.Fit"/> when <see cref="TrainingOptions.CheckpointPath"/> is set; pass it back
/// as <c>resumeFrom</c> to continue bit-identically.</summary>
public sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "FBPCHKPT"u8;
    private const ushort FormatVersion = 1;

    private byte[] modelBytes = [];
    private string optimizerName = "";
    private long optimizerSteps;
    private float[] optimizerState = [];
    private int trainingCount;
    private int batchSize;
    private ulong seed;
    private bool shuffle;
    private int epoch;
    private int batch;
    private readonly ulong[] random = new ulong[SeededRandom.StateLength];
    private int halvings;
    private double bestLoss;
    private int bestEpoch;
    private int sinceBest;
    private float[]? bestParameters;
    private double lossSum;
    private long correct;
    private double squaredErrorSum;
    private int patternsDone;
    private List<EpochReport> history = [];

    private TrainingCheckpoint()
    {
    }

    /// <summary>0-based epoch the run will continue in.</summary>
    public int Epoch => epoch;

    /// <summary>0-based batch of <see cref="Epoch"/> the run will continue with.</summary>
    public int Batch => batch;

    /// <summary>Reports of the epochs finished before the checkpoint.</summary>
    public IReadOnlyList<EpochReport> History => history;

    internal static TrainingCheckpoint Capture(Network network, Optimizer? optimizer, TrainingState state, int trainingCount, TrainingOptions options)
    {
        var c = new TrainingCheckpoint
        {
            modelBytes = ModelFile.Serialize(new Model(network, scaling: null)),
            optimizerName = optimizer?.GetType().Name ?? "",
            optimizerSteps = optimizer?.StepCount ?? 0,
            optimizerState = new float[optimizer?.StateLength ?? 0],
            trainingCount = trainingCount,
            batchSize = options.BatchSize,
            seed = options.Seed,
            shuffle = options.Shuffle,
            epoch = state.Epoch,
            batch = state.Batch,
            halvings = state.Halvings,
            bestLoss = state.BestLoss,
            bestEpoch = state.BestEpoch,
            sinceBest = state.SinceBest,
            bestParameters = state.BestParameters is null ? null : (float[])state.BestParameters.Clone(),
            lossSum = state.LossSum,
            correct = state.Correct,
            squaredErrorSum = state.SquaredErrorSum,
            patternsDone = state.PatternsDone,
            history = [.. state.History],
        };
        optimizer?.SaveState(c.optimizerState);
        state.EpochStartRandom.CopyTo(c.random, 0);
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
        if ((optimizer?.GetType().Name ?? "") != optimizerName || (optimizer?.StateLength ?? 0) != optimizerState.Length)
        {
            throw new ArgumentException($"resumeFrom was written with optimizer '{(optimizerName.Length == 0 ? "plain SGD" : optimizerName)}'; this run uses '{optimizer?.GetType().Name ?? "plain SGD"}'.", "resumeFrom");
        }
        Model model = ModelFile.Deserialize(modelBytes, "checkpoint");
        if (model.Network.Definition.ToString() != network.Definition.ToString())
        {
            throw new ArgumentException($"resumeFrom holds a {model.Network.Definition} network; this one is {network.Definition}.", "resumeFrom");
        }
        optimizer?.LoadState(optimizerState, optimizerSteps);
        model.Network.Parameters.CopyTo(network.Parameters);
        state.Epoch = epoch;
        state.Batch = batch;
        random.CopyTo(state.EpochStartRandom, 0);
        state.Halvings = halvings;
        state.BestLoss = bestLoss;
        state.BestEpoch = bestEpoch;
        state.SinceBest = sinceBest;
        state.BestParameters = bestParameters is null ? null : (float[])bestParameters.Clone();
        state.LossSum = lossSum;
        state.Correct = correct;
        state.SquaredErrorSum = squaredErrorSum;
        state.PatternsDone = patternsDone;
        state.History.Clear();
        state.History.AddRange(history);
    }

    /// <summary>Saves the checkpoint atomically (temporary file, flush, rename).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(trainingCount);
            w.Write(batchSize);
            w.Write(seed);
            w.Write(shuffle);
            WriteString(w, optimizerName);
            w.Write(modelBytes.Length);
            w.Write(modelBytes);
            w.Write(optimizerSteps);
            WriteFloats(w, optimizerState);
            w.Write(epoch);
            w.Write(batch);
            foreach (ulong r in random) w.Write(r);
            w.Write(halvings);
            w.Write(bestLoss);
            w.Write(bestEpoch);
            w.Write(sinceBest);
            WriteFloats(w, bestParameters ?? []);
            w.Write(bestParameters is not null);
            w.Write(lossSum);
            w.Write(correct);
            w.Write(squaredErrorSum);
            w.Write(patternsDone);
            w.Write(history.Count);
            foreach (EpochReport r in history)
            {
                w.Write(r.Epoch);
                w.Write(r.TrainingLoss);
                WriteOptional(w, r.TrainingAccuracy);
                WriteOptional(w, r.TrainingMeanSquaredError);
                w.Write(r.Validation is not null);
                if (r.Validation is not null)
                {
                    w.Write(r.Validation.Count);
                    w.Write(r.Validation.Loss);
                    WriteOptional(w, r.Validation.Accuracy);
                    WriteOptional(w, r.Validation.MeanSquaredError);
                }
                w.Write(r.LearningRate);
                w.Write(r.Elapsed.Ticks);
                w.Write(r.PatternsPerSecond);
            }
        }
        Crc32.Seal(memory);
        AtomicFile.Write(path, memory.GetBuffer().AsSpan(0, (int)memory.Length));
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a checkpoint, or is truncated or corrupt.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileName(path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 6 || !bytes.AsSpan().StartsWith(Magic))
        {
            throw DataFormatException.AtByte(name, 0, "not a FastBackprop checkpoint (it starts with \"FBPCHKPT\").");
        }
        if (!Crc32.IsSealed(bytes, out _, out _))
        {
            throw DataFormatException.AtByte(name, bytes.Length - 4, "checksum mismatch: the checkpoint is corrupt or truncated.");
        }
        using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4));
        try
        {
            r.ReadBytes(Magic.Length);
            ushort version = r.ReadUInt16();
            if (version != FormatVersion) throw DataFormatException.AtByte(name, Magic.Length, $"checkpoint version {version}; this build reads {FormatVersion}.");
            var c = new TrainingCheckpoint
            {
                trainingCount = r.ReadInt32(),
                batchSize = r.ReadInt32(),
                seed = r.ReadUInt64(),
                shuffle = r.ReadBoolean(),
                optimizerName = ReadString(r),
                modelBytes = r.ReadBytes(Length(r, 1)),
                optimizerSteps = r.ReadInt64(),
                optimizerState = ReadFloats(r),
                epoch = r.ReadInt32(),
                batch = r.ReadInt32(),
            };
            for (int i = 0; i < c.random.Length; i++) c.random[i] = r.ReadUInt64();
            c.halvings = r.ReadInt32();
            c.bestLoss = r.ReadDouble();
            c.bestEpoch = r.ReadInt32();
            c.sinceBest = r.ReadInt32();
            float[] best = ReadFloats(r);
            c.bestParameters = r.ReadBoolean() ? best : null;
            c.lossSum = r.ReadDouble();
            c.correct = r.ReadInt64();
            c.squaredErrorSum = r.ReadDouble();
            c.patternsDone = r.ReadInt32();
            int reports = Length(r, 40);
            for (int i = 0; i < reports; i++)
            {
                int epochNumber = r.ReadInt32();
                double loss = r.ReadDouble();
                double? accuracy = ReadOptional(r), mse = ReadOptional(r);
                Evaluation? validation = null;
                if (r.ReadBoolean())
                {
                    int count = r.ReadInt32();
                    double vLoss = r.ReadDouble();
                    double? vAccuracy = ReadOptional(r), vMse = ReadOptional(r);
                    validation = new Evaluation(count, vLoss, vAccuracy, vMse, null);
                }
                c.history.Add(new EpochReport(epochNumber, loss, accuracy, mse, validation, r.ReadSingle(), new TimeSpan(r.ReadInt64()), r.ReadDouble()));
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw DataFormatException.AtByte(name, r.BaseStream.Position, "unexpected bytes before the checksum.");
            return c;
        }
        catch (EndOfStreamException e)
        {
            throw DataFormatException.AtByte(name, r.BaseStream.Position, "the checkpoint ends inside a field (truncated).", inner: e);
        }
    }

    // A count read from the file, bounded by the bytes left (each element takes at least minimumSize bytes).
    private static int Length(BinaryReader r, int minimumSize)
    {
        int length = r.ReadInt32();
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (length < 0 || (long)length * minimumSize > left) throw new EndOfStreamException($"count {length} does not fit in the {left} bytes left");
        return length;
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        w.Write(utf8.Length);
        w.Write(utf8);
    }

    private static string ReadString(BinaryReader r) => System.Text.Encoding.UTF8.GetString(r.ReadBytes(Length(r, 1)));

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (float v in values) w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var values = new float[Length(r, 4)];
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadSingle();
        return values;
    }

    private static void WriteOptional(BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        w.Write(value ?? 0);
    }

    private static double? ReadOptional(BinaryReader r)
    {
        bool has = r.ReadBoolean();
        double value = r.ReadDouble();
        return has ? value : null;
    }
}
