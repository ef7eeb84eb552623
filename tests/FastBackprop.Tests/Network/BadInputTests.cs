using System.Globalization;
using FastBackprop.Reference;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

// ---------------------------------------------------------------------------------------------
// Bad input at every public entry point: the exception type, the parameter name, and a message
// that names what was expected and what was given. Each pattern entry point is tried through
// both overloads (own workspace and explicit workspace). A rejected call must leave the
// parameters untouched.
// ---------------------------------------------------------------------------------------------

/// <summary>Argument validation of NetworkDefinition, Dense, TransferFunction, Network, Workspace and ReferenceBackprop.</summary>
public class BadInputTests
{
    // 3 inputs -> 4 tanh -> 2 logistic.
    private static Network CreateNetwork()
    {
        var network = new Network(3, Loss.HalfSquaredError,
            new Dense(4, TransferFunction.Tanh),
            new Dense(2, TransferFunction.Logistic));
        network.InitializeWeights(7);
        return network;
    }

    private static readonly float[] GoodInput = [0.1f, -0.2f, 0.3f];
    private static readonly float[] GoodTarget = [0.25f, 0.75f];

    /// <summary>Every entry point that takes an input, as (name, call(network, input, target)).</summary>
    private static IEnumerable<(string Name, Action<Network, float[], float[]> Call)> PatternEntryPoints()
    {
        yield return ("Predict", (n, x, d) => n.Predict(x, new float[2]));
        yield return ("Predict(ws)", (n, x, d) => n.Predict(x, new float[2], n.CreateWorkspace()));
        yield return ("ComputeLoss", (n, x, d) => n.ComputeLoss(x, d));
        yield return ("ComputeLoss(ws)", (n, x, d) => n.ComputeLoss(x, d, n.CreateWorkspace()));
        yield return ("Backpropagate", (n, x, d) => n.Backpropagate(x, d, new float[n.Definition.ParameterCount]));
        yield return ("Backpropagate(ws)", (n, x, d) => n.Backpropagate(x, d, new float[n.Definition.ParameterCount], n.CreateWorkspace()));
        yield return ("TrainStep", (n, x, d) => n.TrainStep(x, d, 0.1f));
        yield return ("TrainStep(ws)", (n, x, d) => n.TrainStep(x, d, 0.1f, n.CreateWorkspace()));
    }

    private static IEnumerable<(string Name, Action<Network, float[], float[]> Call)> TargetEntryPoints() =>
        PatternEntryPoints().Where(e => !e.Name.StartsWith("Predict", StringComparison.Ordinal));

    /// <summary>Asserts the exact exception type, its ParamName and that the message holds every part.</summary>
    private static T AssertRejects<T>(Action call, string paramName, params string[] messageParts) where T : ArgumentException
    {
        T ex = Assert.Throws<T>(call);
        Assert.Equal(paramName, ex.ParamName);
        foreach (string part in messageParts) Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private static void AssertRejectsAndKeepsParameters<T>(string entryPoint, Network network, Action call, string paramName, params string[] messageParts)
        where T : ArgumentException
    {
        float[] before = network.Parameters.ToArray();
        try
        {
            AssertRejects<T>(call, paramName, messageParts);
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new Xunit.Sdk.XunitException($"{entryPoint}: {e.Message}");
        }
        Assert.Equal(before, network.Parameters.ToArray());
    }

    // ---- lengths -----------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void EveryEntryPoint_Throws_ForWrongInputLength(int length)
    {
        foreach (var (name, call) in PatternEntryPoints())
        {
            Network network = CreateNetwork();
            AssertRejectsAndKeepsParameters<ArgumentException>(name, network, () => call(network, new float[length], GoodTarget),
                "input", $"input has length {length}", "expected 3");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryEntryPoint_Throws_ForWrongTargetLength(int length)
    {
        foreach (var (name, call) in TargetEntryPoints())
        {
            Network network = CreateNetwork();
            AssertRejectsAndKeepsParameters<ArgumentException>(name, network, () => call(network, GoodInput, new float[length]),
                "target", $"target has length {length}", "expected 2");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Predict_Throws_ForWrongOutputLength(int length)
    {
        Network network = CreateNetwork();
        AssertRejects<ArgumentException>(() => network.Predict(GoodInput, new float[length]), "output", $"output has length {length}", "expected 2");
        AssertRejects<ArgumentException>(() => network.Predict(GoodInput, new float[length], network.CreateWorkspace()), "output", $"output has length {length}", "expected 2");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(25)]
    [InlineData(27)]
    public void Backpropagate_Throws_ForWrongGradientLength(int length)
    {
        Network network = CreateNetwork();
        Assert.Equal(26, network.Definition.ParameterCount);   // 3·4 + 4 + 4·2 + 2
        AssertRejects<ArgumentException>(() => network.Backpropagate(GoodInput, GoodTarget, new float[length]), "gradient", $"gradient has length {length}", "expected 26");
        AssertRejects<ArgumentException>(() => network.Backpropagate(GoodInput, GoodTarget, new float[length], network.CreateWorkspace()), "gradient", $"gradient has length {length}", "expected 26");
    }

    // ---- non-finite values -------------------------------------------------------------------

    public static TheoryData<float> NonFinite => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void EveryEntryPoint_Throws_ForNonFiniteInput(float bad)
    {
        foreach (var (name, call) in PatternEntryPoints())
        {
            Network network = CreateNetwork();
            float[] input = [0.1f, bad, 0.3f];
            AssertRejectsAndKeepsParameters<ArgumentException>(name, network, () => call(network, input, GoodTarget),
                "input", $"input[1] is {bad}", "expected a finite number");
        }
    }

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void EveryEntryPoint_Throws_ForNonFiniteTarget(float bad)
    {
        foreach (var (name, call) in TargetEntryPoints())
        {
            Network network = CreateNetwork();
            float[] target = [0.5f, bad];
            AssertRejectsAndKeepsParameters<ArgumentException>(name, network, () => call(network, GoodInput, target),
                "target", $"target[1] is {bad}", "expected a finite number");
        }
    }

    // ---- learning rate -----------------------------------------------------------------------

    public static TheoryData<float> BadLearningRates => new() { float.NaN, -0.5f, float.PositiveInfinity, float.NegativeInfinity, -float.Epsilon };

    [Theory]
    [MemberData(nameof(BadLearningRates))]
    public void TrainStep_Throws_ForBadLearningRate(float eta)
    {
        Network network = CreateNetwork();
        string given = $"learningRate is {eta}";
        AssertRejectsAndKeepsParameters<ArgumentOutOfRangeException>("TrainStep", network,
            () => network.TrainStep(GoodInput, GoodTarget, eta), "learningRate", given, "expected a finite number, 0 or more");
        AssertRejectsAndKeepsParameters<ArgumentOutOfRangeException>("TrainStep(ws)", network,
            () => network.TrainStep(GoodInput, GoodTarget, eta, network.CreateWorkspace()), "learningRate", given, "expected a finite number, 0 or more");
        Assert.Equal(eta, Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainStep(GoodInput, GoodTarget, eta)).ActualValue);
    }

    public static TheoryData<float> ZeroLearningRates => new() { 0f, -0f };

    [Theory]
    [MemberData(nameof(ZeroLearningRates))]
    public void TrainingCalls_WithLearningRateZero_ChangeNothing(float eta)
    {
        // A schedule may reach 0 (cosine at its end): a step of size 0 is valid and leaves the weights as they are.
        Network network = CreateNetwork();
        float[] before = network.Parameters.ToArray();
        Assert.True(float.IsFinite(network.TrainStep(GoodInput, GoodTarget, eta)));
        network.TrainOnline([.. GoodInput, .. GoodInput], [.. GoodTarget, .. GoodTarget], eta, network.CreateWorkspace());
        network.TrainBatch([.. GoodInput, .. GoodInput], [.. GoodTarget, .. GoodTarget], eta, network.CreateBatchWorkspace(2));
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void TrainStep_Accepts_SmallestPositiveAndLargeLearningRates()
    {
        Network network = CreateNetwork();
        network.TrainStep(GoodInput, GoodTarget, float.Epsilon);
        network.TrainStep(GoodInput, GoodTarget, 1e6f);
    }

    // ---- workspaces --------------------------------------------------------------------------

    [Fact]
    public void EveryWorkspaceOverload_Throws_ForWorkspaceOfAnotherNetwork()
    {
        Network network = CreateNetwork();
        // A workspace of another shape (here 3-5-2 against 3-4-2).
        Workspace other = new Network(3, Loss.HalfSquaredError, new Dense(5, TransferFunction.Tanh), new Dense(2, TransferFunction.Logistic)).CreateWorkspace();
        float[] before = network.Parameters.ToArray();
        string[] parts = ["workspace was made for a 3-5-2 (tanh, logistic; HalfSquaredError) network", "this network is 3-4-2"];
        AssertRejects<ArgumentException>(() => network.Predict(GoodInput, new float[2], other), "workspace", parts);
        AssertRejects<ArgumentException>(() => network.ComputeLoss(GoodInput, GoodTarget, other), "workspace", parts);
        AssertRejects<ArgumentException>(() => network.Backpropagate(GoodInput, GoodTarget, new float[26], other), "workspace", parts);
        AssertRejects<ArgumentException>(() => network.TrainStep(GoodInput, GoodTarget, 0.1f, other), "workspace", parts);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Workspace_OfAnEqualButSeparatelyBuiltDefinition_IsAccepted()
    {
        // Same shape, another definition object: the buffers fit, so the workspace works (it was rejected, with
        // the contradictory message "made for 3-4-2; expected 3-4-2").
        Network network = CreateNetwork(), twin = CreateNetwork();
        Workspace foreign = twin.CreateWorkspace();
        Assert.NotSame(network.Definition, twin.Definition);
        Assert.Equal(network.Definition, twin.Definition);
        float[] own = new float[2], borrowed = new float[2];
        network.Predict(GoodInput, own);
        network.Predict(GoodInput, borrowed, foreign);
        Assert.Equal(own, borrowed);
        network.TrainStep(GoodInput, GoodTarget, 0.1f, foreign);
        network.TrainBatch(GoodInput, GoodTarget, 0.1f, twin.CreateBatchWorkspace(1));
    }

    [Fact]
    public void EveryWorkspaceOverload_Throws_ForNullWorkspace()
    {
        Network network = CreateNetwork();
        AssertRejects<ArgumentNullException>(() => network.Predict(GoodInput, new float[2], null!), "workspace");
        AssertRejects<ArgumentNullException>(() => network.ComputeLoss(GoodInput, GoodTarget, null!), "workspace");
        AssertRejects<ArgumentNullException>(() => network.Backpropagate(GoodInput, GoodTarget, new float[26], null!), "workspace");
        AssertRejects<ArgumentNullException>(() => network.TrainStep(GoodInput, GoodTarget, 0.1f, null!), "workspace");
    }

    [Fact]
    public void Workspace_IsAccepted_ByAnotherNetworkOfTheSameDefinition()
    {
        Network network = CreateNetwork();
        var twin = new Network(network.Definition);
        network.Parameters.CopyTo(twin.Parameters);
        Workspace ws = twin.CreateWorkspace();
        var a = new float[2];
        var b = new float[2];
        network.Predict(GoodInput, a, ws);
        twin.Predict(GoodInput, b);
        Assert.Equal(b, a);
    }

    [Fact]
    public void Constructors_Throw_ForNullDefinition()
    {
        AssertRejects<ArgumentNullException>(() => new Network(null!), "definition");
        AssertRejects<ArgumentNullException>(() => new Workspace(null!), "definition");
    }

    // ---- layer indices -----------------------------------------------------------------------

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void LayerAccessors_Throw_ForLayerOutOfRange(int layer)
    {
        Network network = CreateNetwork();
        Workspace ws = network.CreateWorkspace();
        string[] parts = [$"layer is {layer}", "expected 0 to 1"];
        Assert.Equal(layer, AssertRejects<ArgumentOutOfRangeException>(() => network.Definition.GetLayout(layer), "layer", parts).ActualValue);
        AssertRejects<ArgumentOutOfRangeException>(() => network.GetWeights(layer), "layer", parts);
        AssertRejects<ArgumentOutOfRangeException>(() => network.GetBiases(layer), "layer", parts);
        AssertRejects<ArgumentOutOfRangeException>(() => ws.GetNetSums(layer), "layer", parts);
        AssertRejects<ArgumentOutOfRangeException>(() => ws.GetOutputs(layer), "layer", parts);
        AssertRejects<ArgumentOutOfRangeException>(() => ws.GetDeltas(layer), "layer", parts);
    }

    // ---- definitions -------------------------------------------------------------------------

    [Fact]
    public void NetworkDefinition_Throws_ForEmptyLayerList()
    {
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.HalfSquaredError), "layers", "layers is empty", "expected at least one layer");
        AssertRejects<ArgumentException>(() => new Network(2, Loss.HalfSquaredError, ReadOnlySpan<Layer>.Empty), "layers", "layers is empty");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void NetworkDefinition_Throws_ForInputWidthBelowOne(int width)
    {
        var ex = AssertRejects<ArgumentOutOfRangeException>(() => new NetworkDefinition(width, Loss.HalfSquaredError, new Dense(1, TransferFunction.Logistic)),
            "inputWidth", $"inputWidth is {width}", "expected at least 1");
        Assert.Equal(width, ex.ActualValue);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Dense_Throws_ForWidthBelowOne(int width)
    {
        AssertRejects<ArgumentOutOfRangeException>(() => new Dense(width, TransferFunction.Tanh), "width", $"width is {width}", "expected at least 1");
    }

    [Fact]
    public void Dense_Throws_ForNullTransfer()
    {
        AssertRejects<ArgumentNullException>(() => new Dense(3, null!), "transfer");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void NetworkDefinition_Throws_ForNullLayer(int index)
    {
        Layer[] layers = [new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.Logistic)];
        layers[index] = null!;
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.HalfSquaredError, layers), "layers",
            $"layers[{index}] is null", "expected a layer such as new Dense(width, transfer)");
    }

    [Fact]
    public void NetworkDefinition_Throws_ForSoftmaxOverOneUnit()
    {
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.CrossEntropy, new Dense(1, TransferFunction.Softmax)),
            "layers", "layers[0] is softmax over 1 unit", "expected 2 or more units");
    }

    [Fact]
    public void NetworkDefinition_Throws_ForSoftmaxInHiddenLayer()
    {
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.CrossEntropy,
                new Dense(3, TransferFunction.Softmax), new Dense(4, TransferFunction.Tanh), new Dense(2, TransferFunction.Softmax)),
            "layers", "layers[0] uses softmax", "expected softmax only in the output layer (layers[2])");
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.HalfSquaredError,
                new Dense(3, TransferFunction.Tanh), new Dense(4, TransferFunction.Softmax), new Dense(2, TransferFunction.Identity)),
            "layers", "layers[1] uses softmax");
    }

    public static TheoryData<string> NonCrossEntropyOutputs => new() { "tanh", "relu", "identity", "leaky-relu(0.1)" };

    [Theory]
    [MemberData(nameof(NonCrossEntropyOutputs))]
    public void NetworkDefinition_Throws_ForCrossEntropyWithoutSoftmaxOrLogisticOutput(string name)
    {
        TransferFunction output = name switch
        {
            "tanh" => TransferFunction.Tanh,
            "relu" => TransferFunction.Relu,
            "identity" => TransferFunction.Identity,
            _ => TransferFunction.LeakyRelu(0.1f),
        };
        Assert.Equal(name, output.Name);
        AssertRejects<ArgumentException>(() => new NetworkDefinition(2, Loss.CrossEntropy, new Dense(3, TransferFunction.Tanh), new Dense(2, output)),
            "loss", $"output transfer function '{name}'", "expected softmax or logistic in the output layer");
        // The same network is fine with the half squared error, and cross-entropy takes softmax and logistic.
        _ = new NetworkDefinition(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(2, output));
        _ = new NetworkDefinition(2, Loss.CrossEntropy, new Dense(3, output), new Dense(2, TransferFunction.Softmax));
        _ = new NetworkDefinition(2, Loss.CrossEntropy, new Dense(3, output), new Dense(2, TransferFunction.Logistic));
    }

    [Fact]
    public void NetworkDefinition_Throws_ForNullLoss()
    {
        // Loss is a class since issue 9 (no undefined enum value to pass any more): the missing loss is null.
        AssertRejects<ArgumentNullException>(() => new NetworkDefinition(2, null!, new Dense(1, TransferFunction.Logistic)), "loss");
    }

    public static TheoryData<float> BadSlopes => new() { -0.01f, -0f - 1e-30f, 1f, 1.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(BadSlopes))]
    public void LeakyRelu_Throws_ForSlopeOutsideZeroToOne(float slope)
    {
        var ex = AssertRejects<ArgumentOutOfRangeException>(() => TransferFunction.LeakyRelu(slope), "slope",
            $"slope is {slope.ToString(CultureInfo.CurrentCulture)}", "expected a number in [0, 1)");
        Assert.Equal(slope, ex.ActualValue);
    }

    [Fact]
    public void LeakyRelu_Accepts_SlopesInZeroToOne()
    {
        Assert.Equal("relu", TransferFunction.LeakyRelu(0f).Name);
        Assert.Equal("leaky-relu(0.01)", TransferFunction.LeakyRelu().Name);
        Assert.Equal("leaky-relu(0.99999994)", TransferFunction.LeakyRelu(BitConverter.Int32BitsToSingle(0x3F7FFFFF)).Name);
    }

    // ---- reference -----------------------------------------------------------------------------

    [Fact]
    public void Reference_Throws_ForWrongLengths()
    {
        NetworkDefinition definition = CreateNetwork().Definition;
        double[] p = new double[26], shortP = new double[25], x = [0.1, 0.2, 0.3], shortX = [0.1, 0.2], d = [0.5, 0.5], longD = [0.5, 0.5, 0.5];

        AssertRejects<ArgumentException>(() => ReferenceBackprop.Run(definition, shortP, x, d), "parameters", "parameters has length 25", "expected 26");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Run(definition, p, shortX, d), "input", "input has length 2", "expected 3");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Run(definition, p, x, longD), "target", "target has length 3", "expected 2");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Error(definition, shortP, x, d), "parameters", "parameters has length 25");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Error(definition, p, shortX, d), "input", "input has length 2");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Error(definition, p, x, longD), "target", "target has length 3");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Predict(definition, shortP, x), "parameters", "parameters has length 25");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.Predict(definition, p, shortX), "input", "input has length 2");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.TrainStep(definition, shortP, x, d, 0.1), "parameters", "parameters has length 25");
        AssertRejects<ArgumentException>(() => ReferenceBackprop.TrainStep(definition, p, x, longD, 0.1), "target", "target has length 3");
        AssertRejects<ArgumentNullException>(() => ReferenceBackprop.Run(null!, p, x, d), "definition");
    }
}
