using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Inference;

// ---------------------------------------------------------------------------------------------
// Predictor against the calls it must equal bit for bit: Network.Predict with a workspace (from a
// network) and Model.Predict (from a model with input and target scaling), on random networks of
// every generated shape, with and without dropout layers; PredictBatch row by row against
// Predict; and the snapshot: training the network afterwards leaves the predictor as it was.
// A counterexample prints as its NetworkCase (definition and seeds), which replays exactly.
// ---------------------------------------------------------------------------------------------

/// <summary><see cref="Predictor"/> versus Network.Predict and Model.Predict.</summary>
public class PredictorProperties
{
    private const int Rows = 5;

    [Property(MaxTest = 60)]
    public Property FromNetwork_SameBitsAsNetworkPredict() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(maxDepth: 4, maxWidth: 40), c => SameBitsAsNetwork(c));

    [Property(MaxTest = 30)]
    public Property WithDropoutLayers_SameBitsAsNetworkPredict() =>
        Prop.ForAll(NetworkGenerators.CaseWithDropoutArbitrary(maxDepth: 3, maxWidth: 40), c => SameBitsAsNetwork(c));

    [Property(MaxTest = 40)]
    public Property FromModel_SameBitsAsModelPredict() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(maxDepth: 3, maxWidth: 40), c =>
        {
            Model model = PredictorSamples.ScaledModel(c.CreateNetwork(), c.DataSeed ^ 0x5CA1EUL);
            Predictor predictor = model.CreatePredictor();
            int n = predictor.InputWidth, m = predictor.OutputWidth;
            float[] inputs = PredictorSamples.Rows(Rows, n, c.DataSeed, bound: 8f);
            float[] expected = new float[Rows * m], single = new float[m], batch = new float[Rows * m];
            for (int p = 0; p < Rows; p++)
            {
                model.Predict(inputs.AsSpan(p * n, n), expected.AsSpan(p * m, m));
                predictor.Predict(inputs.AsSpan(p * n, n), single);
                Assert.True(PredictorSamples.SameBits(expected.AsSpan(p * m, m), single), $"row {p}");
            }
            predictor.PredictBatch(inputs, batch);
            Assert.True(PredictorSamples.SameBits(expected, batch), "PredictBatch");
        });

    [Property(MaxTest = 30)]
    public Property IsASnapshot_TrainingTheNetworkAfterwardsDoesNotChangeIt() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(maxDepth: 3, maxWidth: 24), c =>
        {
            Network network = c.CreateNetwork();
            float[] input = c.CreateInput(), target = c.CreateTarget();
            float[] before = new float[network.Definition.OutputWidth], after = new float[before.Length];
            network.Predict(input, before);
            var predictor = new Predictor(network);
            network.TrainStep(input, target, 0.5f);
            network.Parameters[0] += 1f;   // a change every network shows, whatever the step did
            predictor.Predict(input, after);
            Assert.True(PredictorSamples.SameBits(before, after));
        });

    // Rows p of a batch: the case's input for DataSeed + p, each predicted by the network (with a workspace),
    // by Predict and by PredictBatch.
    private static void SameBitsAsNetwork(NetworkCase c)
    {
        Network network = c.CreateNetwork();
        var predictor = new Predictor(network);
        Workspace ws = network.CreateWorkspace();
        int n = predictor.InputWidth, m = predictor.OutputWidth;
        float[] inputs = new float[Rows * n], expected = new float[Rows * m], single = new float[m], batch = new float[Rows * m];
        for (int p = 0; p < Rows; p++)
        {
            (c with { DataSeed = c.DataSeed + (ulong)p }).CreateInput().CopyTo(inputs, p * n);
            network.Predict(inputs.AsSpan(p * n, n), expected.AsSpan(p * m, m), ws);
            predictor.Predict(inputs.AsSpan(p * n, n), single);
            Assert.True(PredictorSamples.SameBits(expected.AsSpan(p * m, m), single), $"row {p}");
        }
        predictor.PredictBatch(inputs, batch);
        Assert.True(PredictorSamples.SameBits(expected, batch), "PredictBatch");
    }
}
