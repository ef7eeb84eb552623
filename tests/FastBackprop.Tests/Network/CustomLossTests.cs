using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>User-defined losses (ElementwiseLoss): the derivative checked against central differences of the value (a
/// wrong one rejected with the worst point and both values, a right one accepted and used), Loss.Register's names, and
/// model files that store every loss with its parameters (named losses by code 2; hse and ce as before).</summary>
public sealed class CustomLossTests
{
    /// <summary>log cosh(y - d), derivative tanh(y - d) (or a wrong one); a sum or a mean over the outputs.</summary>
    private sealed class LogCosh(string name, Func<double, double, double>? derivative = null, bool mean = false) : ElementwiseLoss
    {
        public override string Name => name;
        public override bool MeanOverOutputs => mean;
        public override double Value(double output, double target) => Math.Log(Math.Cosh(output - target));
        public override double Derivative(double output, double target) => derivative?.Invoke(output, target) ?? Math.Tanh(output - target);
    }

    [Theory]
    [InlineData("factor")]
    [InlineData("sign")]
    [InlineData("target-ignored")]
    public void NetworkDefinition_RejectsAWrongDerivative_NamingTheWorstPointAndBothValues(string how)
    {
        Func<double, double, double> wrong = how switch
        {
            "factor" => (y, d) => 2 * Math.Tanh(y - d),
            "sign" => (y, d) => -Math.Tanh(y - d),
            _ => (y, d) => Math.Tanh(y),
        };
        var e = Assert.Throws<ArgumentException>(() => new NetworkDefinition(2, new LogCosh("test-wrong-" + how, wrong), new Dense(2, TransferFunction.Identity)));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains($"loss 'test-wrong-{how}' has a wrong Derivative: at output ", e.Message);
        Assert.Contains("central differences of Value give", e.Message);
        Assert.Throws<ArgumentException>(() => Loss.Register(new LogCosh("test-wrong-registered-" + how, wrong)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARightDerivative_IsAccepted_AndTheEngineMatchesItsDefinition(bool mean)
    {
        var loss = new LogCosh(mean ? "test-logcosh-mean" : "test-logcosh", mean: mean);
        var network = new Network(2, loss, new Dense(3, TransferFunction.Tanh), new Dense(3, TransferFunction.Identity));
        network.InitializeWeights(5);
        float[] input = [0.3f, -0.8f], target = [0.5f, -1.5f, 2f];
        var gradient = new float[network.Definition.ParameterCount];
        float error = network.Backpropagate(input, target, gradient);
        var y = new float[3];
        network.Predict(input, y);
        double expected = 0;
        for (int k = 0; k < 3; k++) expected += Math.Log(Math.Cosh(y[k] - target[k])) / (mean ? 3 : 1);
        Assert.Equal(expected, error, 5);
        double[] reference = Reference.ReferenceBackprop.Run(network.Definition, NetworkGenerators.ToDouble(network.Parameters),
            NetworkGenerators.ToDouble(input), NetworkGenerators.ToDouble(target)).Gradient;
        for (int i = 0; i < gradient.Length; i++) Assert.Equal(reference[i], gradient[i], 5);
    }

    [Fact]
    public void Register_Throws_ForBuiltInAndMalformedNamesAndASecondLossUnderOneName()
    {
        Assert.Contains("built-in loss's name", Assert.Throws<ArgumentException>(() => Loss.Register(new LogCosh("mse"))).Message);
        Assert.Contains("built-in loss's name", Assert.Throws<ArgumentException>(() => Loss.Register(new LogCosh("huber(2)"))).Message);
        Assert.Contains("printable ASCII", Assert.Throws<ArgumentException>(() => Loss.Register(new LogCosh(" padded"))).Message);
        Assert.Contains("printable ASCII", Assert.Throws<ArgumentException>(() => Loss.Register(new LogCosh(new string('x', 65)))).Message);
        Assert.Throws<ArgumentNullException>(() => Loss.Register(null!));
        Loss.Register(new LogCosh("test-logcosh-once"));
        Loss.Register(new LogCosh("test-logcosh-once"));   // an equal loss again: nothing happens
        var e = Assert.Throws<ArgumentException>(() => Loss.Register(new OtherLoss("test-logcosh-once")));
        Assert.Contains("already registered", e.Message);
    }

    private sealed class OtherLoss(string name) : ElementwiseLoss
    {
        public override string Name => name;
        public override double Value(double output, double target) => (output - target) * (output - target);
        public override double Derivative(double output, double target) => 2 * (output - target);
    }

    private static Model ModelWith(Loss loss, TransferFunction output)
    {
        var network = new Network(2, loss, new Dense(3, TransferFunction.Tanh), new Dense(2, output));
        network.InitializeWeights(9);
        return new Model(network, (InputScaling?)null);
    }

    public static TheoryData<string, string> StoredLosses => new()
    {
        { "hse", "identity" }, { "ce", "softmax" }, { "ce", "logistic" }, { "ce(0.1)", "softmax" }, { "bce", "logistic" }, { "mse", "identity" },
        { "mae", "tanh" }, { "huber(1)", "identity" }, { "huber(0.25)", "identity" }, { "poisson", "exp" },
    };

    [Theory]
    [MemberData(nameof(StoredLosses))]
    public void ModelFile_RoundTripsEveryLossWithItsParameters(string name, string output)
    {
        Model model = ModelWith(Loss.FromName(name), TransferFunction.FromName(output));
        byte[] bytes = ModelFile.Serialize(model);
        Model loaded = ModelFile.Deserialize(bytes, "test");
        Assert.Equal(model.Network.Definition, loaded.Network.Definition);
        Assert.Equal(name, loaded.Network.Definition.Loss.Name);
        Assert.Equal(model.Network.Parameters.ToArray(), loaded.Network.Parameters.ToArray());
        // The half squared error and cross-entropy keep the codes every earlier file has (0, 1); the rest are stored by name (2).
        Assert.Equal(name switch { "hse" => 0, "ce" => 1, _ => 2 }, bytes[10]);
        Assert.Equal(bytes, ModelFile.Serialize(loaded));
    }

    [Fact]
    public void ModelFile_StoresARegisteredLoss_AndRefusesAnUnregisteredOne()
    {
        var registered = new LogCosh("test-logcosh-stored");
        Loss.Register(registered);
        Model model = ModelWith(registered, TransferFunction.Identity);
        Model loaded = ModelFile.Deserialize(ModelFile.Serialize(model), "test");
        Assert.Same(registered, loaded.Network.Definition.Loss);

        var e = Assert.Throws<ArgumentException>(() => ModelFile.Serialize(ModelWith(new LogCosh("test-logcosh-unregistered"), TransferFunction.Identity)));
        Assert.Contains("loss 'test-logcosh-unregistered', which is not registered", e.Message);
    }

    [Fact]
    public void ModelFile_Throws_ForAnUnknownLossNameOrCode()
    {
        byte[] bytes = ModelFile.Serialize(ModelWith(Loss.Huber(2f), TransferFunction.Identity));
        // "huber(2)" -> "hubex(2)": the checksum is recomputed, so the name itself is what fails.
        int at = Array.IndexOf(bytes, (byte)'r', 11);
        bytes[at] = (byte)'x';
        Reseal(bytes);
        var e = Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "bad.fbm"));
        Assert.Contains("unknown loss 'hubex(2)'", e.Message);

        bytes[10] = 7;
        Reseal(bytes);
        Assert.Contains("loss code 7; expected 0 (HalfSquaredError), 1 (CrossEntropy) or 2 (a loss by name)",
            Assert.Throws<DataFormatException>(() => ModelFile.Deserialize(bytes, "bad.fbm")).Message);
    }

    // The CRC-32 of every byte before the last four, written into them.
    private static void Reseal(byte[] bytes) =>
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

    [Theory]
    [InlineData("mse", "identity")]
    [InlineData("huber(0.5)", "identity")]
    [InlineData("poisson", "exp")]
    [InlineData("ce(0.1)", "softmax")]
    [InlineData("test-logcosh-lm", "identity")]
    public void LevenbergMarquardt_LowersEveryLoss(string name, string output)
    {
        if (name == "test-logcosh-lm") Loss.Register(new LogCosh(name));
        var network = new Network(2, Loss.FromName(name), new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.FromName(output)));
        network.InitializeWeights(21);
        var random = new SeededRandom(4);
        LossPairing pairing = new(network.Definition.Loss, network.Definition.OutputLayer.Transfer);
        var inputs = new float[40];
        var targets = new List<float>();
        for (int p = 0; p < 20; p++)
        {
            inputs[2 * p] = random.NextSymmetric(1f);
            inputs[2 * p + 1] = random.NextSymmetric(1f);
            targets.AddRange(pairing.Targets(2, random));
        }
        var data = new Dataset(inputs, 2, [.. targets], 2);
        double before = Trainer.Evaluate(network, data).Loss;
        Trainer.Fit(network, data, new TrainingOptions { Epochs = 5, BatchSize = 20, Optimizer = new LevenbergMarquardt(network.Definition.ParameterCount) },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(Trainer.Evaluate(network, data).Loss < before);
    }
}
