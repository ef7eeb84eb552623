using System.Text;
using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

/// <summary>Checkpoints: a run cancelled mid-epoch and resumed from its checkpoint (in a fresh network and
/// optimizer) ends with the bits of an uninterrupted run, for every trainer path; the file format round-trips and
/// rejects corruption, truncation, older versions and impossible contents cleanly.</summary>
public sealed class TrainingCheckpointTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A run to interrupt: a network maker (by weight seed), its data, its options, and where to cancel.</summary>
    private sealed record Run(Func<ulong, Network> Network, Dataset Data, Func<Network, TrainingOptions> Options, int CancelEpoch, int CancelBatch);

    private static Run Case(string name)
    {
        Dataset digits = DigitsSplit().Train, test = DigitsSplit().Test;
        return name switch
        {
            "sgd-fused" => new(DigitsNetwork, digits, n => new() { Epochs = 3, BatchSize = 40, Seed = 5, LearningRate = 0.05f, ValidationFraction = 0.1 }, 2, 5),
            "sgd-clipped" => new(DigitsNetwork, digits, n => new() { Epochs = 3, BatchSize = 40, Seed = 5, LearningRate = 0.05f, GradientClipNorm = 0.5f }, 2, 10),
            "adam" => new(DigitsNetwork, digits, n => new()
            {
                Epochs = 3,
                BatchSize = 40,
                Seed = 5,
                LearningRate = 1e-3f,
                ValidationFraction = 0.1,
                Optimizer = new Adam(n.Definition.ParameterCount),
            }, 2, 31),
            "online" => new(DigitsNetwork, digits, n => new() { Epochs = 2, BatchSize = 1, Seed = 6, LearningRate = 0.01f }, 2, 700),
            "early-stopping" => new(DigitsNetwork, digits, n => new()
            {
                Epochs = 60,
                BatchSize = 16,
                Seed = 3,
                Validation = test,
                EarlyStoppingPatience = 2,
                Optimizer = new Adam(n.Definition.ParameterCount),
                LearningRate = 0.02f,
            }, 3, 10),
            // Epoch 2 halves its rate after batch 2 (and replays from batch 0): cancelled before that, the resumed run
            // must replay from the epoch's start too, not from where it resumed.
            "halving" => new(_ => RegressionNetwork(), Regression(), n => new()
            {
                Epochs = 4,
                BatchSize = 20,
                Seed = 1,
                LearningRate = 1e12f,
                OnDivergence = DivergencePolicy.HalveLearningRate,
                MaxLearningRateHalvings = 60,
            }, 2, 1),
            // Dropout's masks come from the state's generator: the resumed run must draw the masks the uninterrupted one did.
            "dropout" => new(DropoutNetwork, digits, n => new() { Epochs = 3, BatchSize = 40, Seed = 4, LearningRate = 0.05f }, 2, 11),
            "dropout-online-adam" => new(DropoutNetwork, digits, n => new()
            {
                Epochs = 2,
                BatchSize = 1,
                Seed = 4,
                LearningRate = 1e-3f,
                Optimizer = new Adam(n.Definition.ParameterCount),
            }, 2, 300),
            "custom-transfer" => new(SoftsignNetwork, Regression(), n => new()
            {
                Epochs = 3,
                BatchSize = 10,
                Seed = 2,
                Optimizer = new Sgd(n.Definition.ParameterCount, momentum: 0.9f),
                LearningRate = 0.01f,
            }, 2, 7),
            // The optimizers with history of other shapes than per-parameter buffers, on mini-batches so that the
            // checkpoint falls inside an epoch: L-BFGS's curvature pairs and line-search counters, SCG's pending
            // direction update and scale, LM's mu, iRPROP+'s previous loss, NAdam's momentum product.
            "lbfgs" => Objective(n => new Lbfgs(n.Definition.ParameterCount, historySize: 4, maxIterations: 3), 1f),
            "scg" => Objective(n => new ScaledConjugateGradient(n.Definition.ParameterCount), 1f),
            "lm" => Objective(n => new LevenbergMarquardt(n.Definition.ParameterCount), 1f),
            "quickprop" => Objective(n => new Quickprop(n.Definition.ParameterCount), 0.5f),
            "rprop+" => Objective(n => new RpropPlus(n.Definition.ParameterCount), 1f),
            "irprop+" => Objective(n => new IrpropPlus(n.Definition.ParameterCount), 1f),
            "adagrad" => Objective(n => new AdaGrad(n.Definition.ParameterCount), 0.05f),
            "adamax" => Objective(n => new Adamax(n.Definition.ParameterCount), 0.01f),
            "nadam" => Objective(n => new NAdam(n.Definition.ParameterCount), 0.01f),
            "radam" => Objective(n => new RAdam(n.Definition.ParameterCount), 0.01f),
            _ => throw new ArgumentException($"no case '{name}'", nameof(name)),
        };
    }

    // The regression network in batches of 50 (4 per epoch), cancelled after the second batch of epoch 2.
    private static Run Objective(Func<Network, Optimizer> optimizer, float rate) =>
        new(_ => RegressionNetwork(), Regression(), n => new()
        {
            Epochs = 3,
            BatchSize = 50,
            Seed = 8,
            LearningRate = rate,
            Optimizer = optimizer(n),
            ValidationFraction = 0.1,
        }, 2, 1);

    private static Network DropoutNetwork(ulong seed)
    {
        var network = new Network(64, Loss.CrossEntropy, new Dropout(0.1f), new Dense(32, TransferFunction.Relu), new Dropout(0.3f), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(seed);
        return network;
    }

    private static Network SoftsignNetwork(ulong seed)
    {
        var network = new Network(3, Loss.HalfSquaredError, new Dense(8, new Softsign()), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(seed);
        return network;
    }

    [Theory]
    [InlineData("sgd-fused")]
    [InlineData("sgd-clipped")]
    [InlineData("adam")]
    [InlineData("online")]
    [InlineData("early-stopping")]
    [InlineData("halving")]
    [InlineData("dropout")]
    [InlineData("dropout-online-adam")]
    [InlineData("custom-transfer")]
    [InlineData("lbfgs")]
    [InlineData("scg")]
    [InlineData("lm")]
    [InlineData("quickprop")]
    [InlineData("rprop+")]
    [InlineData("irprop+")]
    [InlineData("adagrad")]
    [InlineData("adamax")]
    [InlineData("nadam")]
    [InlineData("radam")]
    public void Fit_CancelledMidEpochAndResumed_EndsWithTheBitsOfAnUninterruptedRun(string name)
    {
        Run run = Case(name);
        Network straight = run.Network(1);
        TrainingHistory expected = Fit(straight, run.Data, run.Options(straight));

        string path = Path.Combine(folder, $"{name}.ckpt");
        Network interrupted = run.Network(1);
        using var cancel = new CancellationTokenSource();
        TrainingOptions first = run.Options(interrupted) with
        {
            CheckpointPath = path,
            BatchCompleted = b => { if (b.Epoch == run.CancelEpoch && b.Batch == run.CancelBatch) cancel.Cancel(); },
        };
        TrainingHistory partial = Trainer.Fit(interrupted, run.Data, first, cancellationToken: cancel.Token);
        Assert.Equal(StopReason.Cancelled, partial.StopReason);

        // A fresh process: a network with other weights, a new optimizer, the checkpoint from disk.
        Network resumed = run.Network(12345);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        Assert.Equal(run.CancelEpoch - 1, checkpoint.Epoch);
        Assert.Equal(run.CancelBatch + 1, checkpoint.Batch);
        Assert.Equal(partial.Epochs.Select(e => e.TrainingLoss), checkpoint.History.Select(e => e.TrainingLoss));
        TrainingHistory rest = Fit(resumed, run.Data, run.Options(resumed) with { CheckpointPath = path }, checkpoint);

        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal((expected.StopReason, expected.BestEpoch, expected.LearningRateHalvings, expected.Weights), (rest.StopReason, rest.BestEpoch, rest.LearningRateHalvings, rest.Weights));
        Assert.Equal(expected.Epochs.Select(e => (e.TrainingLoss, e.TrainingAccuracy, e.TrainingMeanSquaredError, e.LearningRate, e.Validation?.Loss, e.Validation?.Accuracy)),
            rest.Epochs.Select(e => (e.TrainingLoss, e.TrainingAccuracy, e.TrainingMeanSquaredError, e.LearningRate, e.Validation?.Loss, e.Validation?.Accuracy)));
    }

    [Fact]
    public void Fit_ResumedFromTheCheckpointOfAnEarlyStoppedRun_EndsWhereThatRunEnded()
    {
        // The last checkpoint of an early-stopped run holds the best epoch's weights with epochs to spare; resuming
        // it trained on from there (CLI --resume after early stopping) instead of ending as the run did.
        Run run = Case("early-stopping");
        string path = Path.Combine(folder, "stopped.ckpt");
        Network stopped = run.Network(1);
        TrainingHistory expected = Fit(stopped, run.Data, run.Options(stopped) with { CheckpointPath = path });
        Assert.Equal(StopReason.EarlyStopped, expected.StopReason);

        Network resumed = run.Network(777);
        TrainingHistory rest = Fit(resumed, run.Data, run.Options(resumed) with { CheckpointPath = path }, TrainingCheckpoint.Load(path));
        Assert.Equal((StopReason.EarlyStopped, expected.BestEpoch, FinalWeights.BestEpoch), (rest.StopReason, rest.BestEpoch, rest.Weights));
        Assert.Equal(expected.Epochs.Count, rest.Epochs.Count);
        Assert.Equal(stopped.Parameters.ToArray(), resumed.Parameters.ToArray());
    }

    [Fact]
    public void Fit_ResumeWithOtherOptions_IsRejected()
    {
        var (train, _) = DigitsSplit();
        string path = Path.Combine(folder, "other.ckpt");
        Network network = DigitsNetwork();
        Fit(network, train, new TrainingOptions { Epochs = 2, BatchSize = 50, CheckpointPath = path });
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Load(path);
        var e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(DigitsNetwork(), train, new TrainingOptions { Epochs = 3, BatchSize = 51 }, checkpoint));
        Assert.Contains("batch size 50", e.Message);
        e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(DigitsNetwork(), train, new TrainingOptions { Epochs = 3, BatchSize = 50, Optimizer = new Adam(network.Definition.ParameterCount) }, checkpoint));
        Assert.Contains("plain SGD", e.Message);
        var other = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Tanh), new Dense(10, TransferFunction.Softmax));
        e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(other, train, new TrainingOptions { Epochs = 3, BatchSize = 50 }, checkpoint));
        Assert.Contains("64-32-10 (relu, softmax; CrossEntropy)", e.Message);
    }

    [Fact]
    public void Fit_ResumeWithAnotherCustomFunction_IsRejected()
    {
        Dataset data = Regression();
        string path = Path.Combine(folder, "softsign.ckpt");
        Fit(SoftsignNetwork(1), data, new TrainingOptions { Epochs = 1, CheckpointPath = path });
        var other = new Network(3, Loss.HalfSquaredError, new Dense(8, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
        var e = Assert.Throws<ArgumentException>("resumeFrom", () => Fit(other, data, new TrainingOptions { Epochs = 2 }, TrainingCheckpoint.Load(path)));
        Assert.Contains("softsign", e.Message);
    }

    // ---- the file --------------------------------------------------------------------------------

    // A checkpoint with every optional piece: Adam's moments, early stopping's weights, validation reports, a mark
    // for halving; cancelled mid-epoch so that the running sums are not zero.
    private static readonly Lazy<byte[]> Sample = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastbackprop-sample-{Guid.NewGuid():N}.ckpt");
        try
        {
            Network network = RegressionNetwork();
            using var cancel = new CancellationTokenSource();
            var options = new TrainingOptions
            {
                Epochs = 3,
                BatchSize = 50,
                Seed = 9,
                LearningRate = 1e-3f,
                Optimizer = new Adam(network.Definition.ParameterCount),
                ValidationFraction = 0.2,
                EarlyStoppingPatience = 3,
                OnDivergence = DivergencePolicy.HalveLearningRate,
                CheckpointPath = path,
                BatchCompleted = b => { if (b.Epoch == 2 && b.Batch == 1) cancel.Cancel(); },
            };
            Trainer.Fit(network, Regression(), options, cancellationToken: cancel.Token);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    });

    [Fact]
    public void Checkpoint_RoundTrip_IsByteExact()
    {
        byte[] bytes = Sample.Value;
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Deserialize(bytes, "sample.ckpt");
        Assert.Equal((1, 2), (checkpoint.Epoch, checkpoint.Batch));
        Assert.NotNull(Assert.Single(checkpoint.History).Validation);
        Assert.Equal(bytes, checkpoint.Serialize());
        Assert.Equal("FBPCHKPT"u8.ToArray(), bytes[..8]);
        Assert.Equal(4, BitConverter.ToUInt16(bytes, 8));   // format 4 (issue 9): the monitored metric and the plateau state
    }

    [Property(MaxTest = 300)]
    public void Checkpoint_FlippedBit_IsAlwaysACleanError(int position, byte bit)
    {
        byte[] bytes = (byte[])Sample.Value.Clone();
        bytes[(int)((uint)position % (uint)bytes.Length)] ^= (byte)(1 << (bit % 8));
        var e = Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Deserialize(bytes, "flipped.ckpt"));
        Assert.Contains("flipped.ckpt", e.Message);
    }

    [Property(MaxTest = 300)]
    public void Checkpoint_Truncated_IsAlwaysACleanError(int cut)
    {
        byte[] bytes = Sample.Value;
        var e = Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Deserialize(bytes.AsSpan(0, (int)((uint)cut % (uint)bytes.Length)), "cut.ckpt"));
        Assert.Contains("cut.ckpt", e.Message);
    }

    [Fact]
    public void Checkpoint_CorruptFile_IsACleanError()
    {
        var (train, _) = DigitsSplit();
        string path = Path.Combine(folder, "c.ckpt");
        Fit(DigitsNetwork(), train, new TrainingOptions { Epochs = 1, CheckpointPath = path });
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Load(path));
        Assert.Contains("c.ckpt", e.Message);
        File.WriteAllBytes(path, bytes.AsSpan(0, 100).ToArray());
        Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Load(path));
    }

    [Fact]
    public void Checkpoint_Version1_IsRejectedNamingTheVersion()
    {
        byte[] bytes = [.. "FBPCHKPT"u8, 1, 0, 0, 0, 0, 0];
        Reseal(bytes);
        var e = Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Deserialize(bytes, "old.ckpt"));
        Assert.Contains("checkpoint format version 1; this build reads versions 2 to 4", e.Message);
        Assert.Contains("wrong magic", Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Deserialize("FBPMODEL\x02\x00abcd"u8, "model.fbp")).Message);
    }

    [Fact]
    public void Checkpoint_Version2_ResumesToTheBitsOfAnUninterruptedRun()
    {
        // Written by the last build of format 2 (commit 3f824f4, at the AVX-512 tier) for the run below, cancelled after
        // batch 3 of epoch 2: Adam's moments and step count, and the halving mark's copy of them, in format 2's layout.
        static TrainingOptions Options(Network n) => new()
        {
            Epochs = 3,
            BatchSize = 20,
            Seed = 4,
            LearningRate = 1e-3f,
            Optimizer = new Adam(n.Definition.ParameterCount),
            OnDivergence = DivergencePolicy.HalveLearningRate,
        };
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Training", "Fixtures", "adam-halving-v2.ckpt"));
        Assert.Equal(2, BitConverter.ToUInt16(bytes, 8));
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Deserialize(bytes, "adam-halving-v2.ckpt");
        Assert.Equal((1, 4), (checkpoint.Epoch, checkpoint.Batch));

        // It saves as the current format (4 since issue 9), which reads back to the same contents.
        byte[] upgraded = checkpoint.Serialize();
        Assert.Equal(4, BitConverter.ToUInt16(upgraded, 8));
        Assert.Equal(upgraded, TrainingCheckpoint.Deserialize(upgraded, "upgraded.ckpt").Serialize());

        Network resumed = RegressionNetwork();
        resumed.InitializeWeights(99);
        TrainingHistory rest = Fit(resumed, Regression(), Options(resumed), checkpoint);
        Assert.Equal(3, rest.Epochs.Count);
        Assert.True(resumed.Parameters.ToArray().All(float.IsFinite));

        // Its format-3 copy resumes to the same bits, at every tier.
        Network fromUpgraded = RegressionNetwork();
        fromUpgraded.InitializeWeights(99);
        TrainingHistory upgradedRest = Fit(fromUpgraded, Regression(), Options(fromUpgraded), TrainingCheckpoint.Deserialize(upgraded, "upgraded.ckpt"));
        Assert.Equal(resumed.Parameters.ToArray(), fromUpgraded.Parameters.ToArray());
        Assert.Equal(rest.Epochs.Select(e => e.TrainingLoss), upgradedRest.Epochs.Select(e => e.TrainingLoss));

        // At 3f824f4 the resumed run had the bits of an uninterrupted one. The portable kernels (issue 8) changed the
        // arithmetic since, so the weights the file holds are a few ulp off this build's trajectory; the run still ends
        // next to the uninterrupted one (a misread moment or step count would move it by far more: Adam's steps are
        // 1e-3 here).
        Network straight = RegressionNetwork();
        Fit(straight, Regression(), Options(straight));
        float[] a = straight.Parameters.ToArray(), b = resumed.Parameters.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5f, $"parameter {i}: {b[i]} after the resume, {a[i]} uninterrupted");
    }

    // The byte offset of the TrainingState in a plain-SGD checkpoint of the regression network (no optimizer state).
    private static int StateOffset(Network network) =>
        8 + 2 + 4 + 4 + 8 + 1 + 4 + (4 + Encoding.UTF8.GetByteCount(network.Definition.ToString())) + (4 + 4 * network.Definition.ParameterCount) + 4 + 12;

    [Theory]
    [InlineData(0, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, "epoch is -1; expected at least 0")]
    [InlineData(4, new byte[] { 0x80, 0, 0, 0 }, "the checkpoint is inconsistent: batch 128 of an epoch of 4 batches")]
    [InlineData(8, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "generator state is all zero")]
    [InlineData(40, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "generator state is all zero")]
    [InlineData(72, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF }, "halvings is -2")]
    public void Checkpoint_ImpossibleStateWithValidChecksum_IsACleanError(int offset, byte[] patch, string message)
    {
        Network network = RegressionNetwork();
        string path = Path.Combine(folder, "state.ckpt");
        Fit(network, Regression(), new TrainingOptions { Epochs = 1, BatchSize = 50, CheckpointPath = path });
        byte[] bytes = File.ReadAllBytes(path);
        patch.CopyTo(bytes, StateOffset(network) + offset);
        Reseal(bytes);
        var e = Assert.Throws<DataFormatException>(() => TrainingCheckpoint.Deserialize(bytes, "state.ckpt"));
        Assert.Contains(message, e.Message);
    }

    private static void Reseal(byte[] bytes) =>
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

    /// <summary>A user-defined function, which model files cannot store but checkpoints must: x / (1 + |x|).</summary>
    private sealed class Softsign : ElementwiseTransferFunction
    {
        public override string Name => "softsign";
        public override double Function(double x) => x / (1 + Math.Abs(x));
        public override double Derivative(double x) => 1 / ((1 + Math.Abs(x)) * (1 + Math.Abs(x)));
    }
}
