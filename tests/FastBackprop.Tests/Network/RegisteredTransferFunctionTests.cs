using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Training;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>User-defined element-wise functions: their derivative is checked against central differences of the
/// function when a layer first takes them or they are registered (a wrong one is rejected with the worst point and
/// both values, a right one, smooth or with kinks, is accepted); TransferFunction.Register's names; and models and
/// checkpoints with a registered function that save and load.</summary>
public sealed class RegisteredTransferFunctionTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-registered-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>f(x) = 2 tanh(x/2) + x/10 with a chosen derivative (right, or wrong by a factor, a sign or a term).</summary>
    private sealed class ScaledTanh(string name, Func<double, double> derivative) : ElementwiseTransferFunction
    {
        public override string Name => name;
        public override double Function(double x) => 2 * Math.Tanh(x / 2) + x / 10;
        public override double Derivative(double x) => derivative(x);
        public static double Right(double x) { double t = Math.Tanh(x / 2); return 1 - t * t + 0.1; }
    }

    /// <summary>max(x, 0) + 0.5 min(x, 0): kinks at 0, derivative right on each side.</summary>
    private sealed class Kinked : ElementwiseTransferFunction
    {
        public override string Name => "test-kinked";
        public override double Function(double x) => x > 0 ? x : 0.5 * x;
        public override double Derivative(double x) => x > 0 ? 1 : 0.5;
    }

    /// <summary>sin(40 x): smooth but steep, which a plain central difference at this step would misjudge.</summary>
    private sealed class FastSine : ElementwiseTransferFunction
    {
        public override string Name => "test-fast-sine";
        public override double Function(double x) => Math.Sin(40 * x);
        public override double Derivative(double x) => 40 * Math.Cos(40 * x);
    }

    /// <summary>log(x) for x &gt; 0, NaN elsewhere: the points outside its domain are skipped.</summary>
    private sealed class PositiveLog : ElementwiseTransferFunction
    {
        public override string Name => "test-log";
        public override double Function(double x) => Math.Log(x);
        public override double Derivative(double x) => 1 / x;
    }

    [Theory]
    [InlineData("factor")]
    [InlineData("sign")]
    [InlineData("missing-term")]
    [InlineData("wrong-far-out")]
    [InlineData("nan")]
    public void Dense_RejectsAWrongDerivative_NamingTheWorstPointAndBothValues(string how)
    {
        Func<double, double> wrong = how switch
        {
            "factor" => x => 2 * ScaledTanh.Right(x),
            "sign" => x => -ScaledTanh.Right(x),
            "missing-term" => x => ScaledTanh.Right(x) - 0.1,
            "wrong-far-out" => x => Math.Abs(x) > 20 ? 0 : ScaledTanh.Right(x),
            _ => x => x > 3 ? double.NaN : ScaledTanh.Right(x),
        };
        var f = new ScaledTanh("test-wrong-" + how, wrong);
        var e = Assert.Throws<ArgumentException>("transfer", () => new Dense(3, f));
        Assert.Contains("test-wrong-" + how, e.Message);
        Assert.Contains("wrong Derivative", e.Message);
        Assert.Matches(@"at x = -?[0-9.E+-]+ .*Derivative\(x\) is .*central differences of Function give -?[0-9.E+-]+", e.Message);
        // The worst point is one where the two differ most for the factor: where f' is largest, x near 0.
        if (how == "factor") Assert.Contains("Derivative(x) is 2.", e.Message);
        // And registering it is refused the same way, with nothing registered.
        Assert.Throws<ArgumentException>("function", () => TransferFunction.Register(f));
        Assert.Throws<ArgumentException>("name", () => TransferFunction.FromName(f.Name));
    }

    [Fact]
    public void Dense_AcceptsRightDerivatives_SmoothKinkedSteepAndPartial()
    {
        _ = new Dense(3, new ScaledTanh("test-right", ScaledTanh.Right));
        _ = new Dense(3, new Kinked());
        _ = new Dense(3, new FastSine());
        _ = new Dense(3, new PositiveLog());
    }

    [Fact]
    public void DerivativeCheck_PointsAvoidKinkLocations()
    {
        foreach (double x in DerivativeCheck.Points.Where(p => Math.Abs(p) < 6))
        {
            double eighths = x * 8;
            Assert.True(Math.Abs(eighths - Math.Round(eighths)) * 0.125 > 0.05, $"{x} is within 0.05 of a multiple of 1/8");
            double tenths = x * 10;
            Assert.True(Math.Abs(tenths - Math.Round(tenths)) * 0.1 > 0.005, $"{x} is within 0.005 of a multiple of 0.1");
        }
    }

    [Fact]
    public void Register_RejectsBuiltInNamesMalformedNamesAndAnotherFunctionUnderATakenName()
    {
        foreach (string name in new[] { "tanh", "GELU", "elu(2)", "leaky-relu(0.5)", "swish", "elu(x)" })
        {
            var e = Assert.Throws<ArgumentException>("function", () => TransferFunction.Register(new ScaledTanh(name, ScaledTanh.Right)));
            Assert.Contains("built-in", e.Message);
        }
        foreach (string name in new[] { "", " padded", "caf\u00e9", new string('x', 65) })
        {
            Assert.Throws<ArgumentException>("function", () => TransferFunction.Register(new ScaledTanh(name, ScaledTanh.Right)));
        }
        Assert.Throws<ArgumentException>("function", () => TransferFunction.Register(TransferFunction.Gelu));
        Assert.Throws<ArgumentNullException>("function", () => TransferFunction.Register(null!));

        var first = new ScaledTanh("test-taken", ScaledTanh.Right);
        TransferFunction.Register(first);
        TransferFunction.Register(first);   // the same function again: nothing happens
        var e2 = Assert.Throws<ArgumentException>("function", () => TransferFunction.Register(new ScaledTanh("TEST-TAKEN", ScaledTanh.Right)));
        Assert.Contains("already registered", e2.Message);
        Assert.Same(first, TransferFunction.FromName("test-taken"));
        Assert.Same(first, TransferFunction.FromName("Test-Taken"));
    }

    [Fact]
    public void Register_FromManyThreads_KeepsOneFunctionPerName()
    {
        var functions = Enumerable.Range(0, 8).Select(i => new ScaledTanh("test-race", ScaledTanh.Right)).ToArray();
        int accepted = 0;
        Parallel.For(0, functions.Length, i =>
        {
            try
            {
                TransferFunction.Register(functions[i]);
                Interlocked.Increment(ref accepted);
            }
            catch (ArgumentException)
            {
            }
        });
        Assert.Equal(1, accepted);
        Assert.Contains(TransferFunction.FromName("test-race"), functions);
    }

    [Fact]
    public void ModelFile_WithARegisteredFunction_RoundTrips_AndAnUnregisteredOneIsRefusedByName()
    {
        var f = new ScaledTanh("test-model", ScaledTanh.Right);
        var network = new Network(3, Loss.HalfSquaredError, new Dense(5, f), new Dense(2, TransferFunction.Identity));
        network.InitializeWeights(4);
        string path = Path.Combine(folder, "custom.fbp");
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, new Model(network, scaling: null)));
        Assert.Contains("'test-model', which is not registered", e.Message);

        TransferFunction.Register(f);
        ModelFile.Save(path, new Model(network, scaling: null));
        Model loaded = ModelFile.Load(path);
        Assert.Same(f, ((Dense)loaded.Network.Definition.Layers[0]).Transfer);
        Assert.Equal(network.Parameters.ToArray(), loaded.Network.Parameters.ToArray());
        float[] x = [0.3f, -1.2f, 2f], a = new float[2], b = new float[2];
        network.Predict(x, a);
        loaded.Network.Predict(x, b);
        Assert.Equal(a, b);

        // Another instance under the registered name is not the registered function: refused, not stored as it.
        var impostor = new Network(3, Loss.HalfSquaredError, new Dense(5, new ScaledTanh("test-model", ScaledTanh.Right)), new Dense(2, TransferFunction.Identity));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(Path.Combine(folder, "impostor.fbp"), new Model(impostor, scaling: null)));
    }

    [Fact]
    public void ModelFile_NamingAnUnregisteredFunction_FailsNamingIt()
    {
        var f = new ScaledTanh("test-later", ScaledTanh.Right);
        TransferFunction.Register(f);
        var network = new Network(2, Loss.HalfSquaredError, new Dense(3, f), new Dense(1, TransferFunction.Identity));
        byte[] bytes = ModelFile.Serialize(new Model(network, scaling: null));
        // The same bytes with the name changed to one nobody registered (same length, CRC fixed up).
        byte[] renamed = ReplaceAscii(bytes, "test-later", "test-never");
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(renamed, "renamed.fbp"));
        Assert.Contains("unknown transfer function 'test-never'", e.Message);
        Assert.Contains("TransferFunction.Register", e.Message);
    }

    [Fact]
    public void Checkpoint_WithARegisteredFunction_ResumesToTheBitsOfAnUninterruptedRun()
    {
        var f = new ScaledTanh("test-checkpoint", ScaledTanh.Right);
        TransferFunction.Register(f);
        Network Make()
        {
            var n = new Network(3, Loss.HalfSquaredError, new Dense(6, TransferFunction.FromName("test-checkpoint")), new Dense(2, TransferFunction.Gelu));
            n.InitializeWeights(7);
            return n;
        }
        var data = Regression();
        TrainingOptions Options(string? path) => new() { Epochs = 3, BatchSize = 20, Seed = 4, LearningRate = 0.05f, CheckpointPath = path };

        Network whole = Make();
        Fit(whole, data, Options(null));

        string checkpoint = Path.Combine(folder, "run.ckpt"), model = Path.Combine(folder, "run.fbp");
        Network first = Make();
        Fit(first, data, Options(checkpoint) with { Epochs = 2 });
        ModelFile.Save(model, new Model(first, scaling: null));
        Network resumed = ModelFile.Load(model).Network;
        Fit(resumed, data, Options(checkpoint), TrainingCheckpoint.Load(checkpoint));
        Assert.Equal(whole.Parameters.ToArray(), resumed.Parameters.ToArray());
    }

    private static byte[] ReplaceAscii(byte[] bytes, string from, string to)
    {
        byte[] result = (byte[])bytes.Clone();
        byte[] a = System.Text.Encoding.ASCII.GetBytes(from), b = System.Text.Encoding.ASCII.GetBytes(to);
        int at = result.AsSpan().IndexOf(a);
        Assert.True(at >= 0);
        b.CopyTo(result, at);
        BitConverter.TryWriteBytes(result.AsSpan(result.Length - 4), Crc32.Compute(result.AsSpan(0, result.Length - 4)));
        return result;
    }
}
