using FastBackprop.IO;
using FastBackprop.Tests.Support;
using Xunit;

namespace FastBackprop.Tests.Inference;

/// <summary>Predictor's argument checks, its description of itself, and its steady-state allocation.</summary>
public class PredictorTests
{
    private static Network Mid()
    {
        var network = new Network(6, Loss.CrossEntropy, new Dense(20, TransferFunction.Relu), new Dense(3, TransferFunction.Softmax));
        network.InitializeWeights(5);
        return network;
    }

    [Fact]
    public void Describes_TheNetworkAndTheModelItWasMadeFrom()
    {
        Network network = Mid();
        Model model = PredictorSamples.ScaledModel(network, 1);
        var fromNetwork = new Predictor(network);
        Predictor fromModel = model.CreatePredictor();
        Assert.Equal((6, 3), (fromNetwork.InputWidth, fromNetwork.OutputWidth));
        Assert.Same(network.Definition, fromNetwork.Definition);
        Assert.Null(fromNetwork.Scaling);
        Assert.Null(fromNetwork.TargetScaling);
        Assert.Same(model.Scaling, fromModel.Scaling);
        Assert.Same(model.TargetScaling, fromModel.TargetScaling);
    }

    [Fact]
    public void BadArguments_ThrowNamingWhatIsWrong()
    {
        var predictor = new Predictor(Mid());
        Assert.Equal("network", Assert.Throws<ArgumentNullException>(() => new Predictor((Network)null!)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => new Predictor((Model)null!)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => predictor.Predict(new float[5], new float[3])).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => predictor.Predict(new float[6], new float[2])).ParamName);
        var nan = Assert.Throws<ArgumentException>(() => predictor.Predict([0, 0, float.NaN, 0, 0, 0], new float[3]));
        Assert.Equal("input", nan.ParamName);
        Assert.Contains("NaN", nan.Message, StringComparison.Ordinal);

        Assert.Contains("positive multiple of the input width 6", Assert.Throws<ArgumentException>(() => predictor.PredictBatch(new float[13], new float[6])).Message, StringComparison.Ordinal);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => predictor.PredictBatch([], [])).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => predictor.PredictBatch(new float[12], new float[3])).ParamName);
        float[] rows = new float[18];
        rows[2 * 6 + 4] = float.PositiveInfinity;
        var infinite = Assert.Throws<ArgumentException>(() => predictor.PredictBatch(rows, new float[9]));
        Assert.Equal("inputs", infinite.ParamName);
        Assert.Contains("inputs row 2, column 4 is ", infinite.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PredictBatch_NamesTheRowThatOverflows()
    {
        var network = new Network(1, Loss.HalfSquaredError, new Dense(1, TransferFunction.Exp), new Dense(1, TransferFunction.Identity));
        network.Parameters.Fill(1f);
        var predictor = new Predictor(network);
        var e = Assert.Throws<ArgumentException>(() => predictor.PredictBatch([0f, 1f, 1000f, 2f], new float[4]));
        Assert.Equal("inputs", e.ParamName);
        Assert.StartsWith("inputs row 2: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_AllocatesNothing_AfterThisThreadsFirstCall()
    {
        Network network = Mid();
        Model model = PredictorSamples.ScaledModel(network, 2);
        Predictor plain = new(network), scaled = model.CreatePredictor();
        float[] inputs = PredictorSamples.Rows(4, 6, 3), output = new float[3], outputs = new float[12];

        void Calls()
        {
            plain.Predict(inputs.AsSpan(0, 6), output);
            scaled.Predict(inputs.AsSpan(6, 6), output);
            scaled.PredictBatch(inputs, outputs);
            model.Predict(inputs.AsSpan(0, 6), output);
            network.Predict(inputs.AsSpan(0, 6), output);
        }

        for (int i = 0; i < 200; i++) Calls();   // warm-up: this thread's scratch, lazy statics, JIT
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 100; i++) Calls();
        });
        Assert.Equal(0, allocated);
    }
}
