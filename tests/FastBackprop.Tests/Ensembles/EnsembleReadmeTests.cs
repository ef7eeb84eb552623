using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>The README's ensemble and cross-validation example, verbatim in substance, so it cannot drift from the code.</summary>
public sealed class EnsembleReadmeTests
{
    [Fact]
    public void ReadmeExample_CrossValidatesAndTrainsAnEnsemble()
    {
        string folder = Directory.CreateTempSubdirectory("fastbackprop-readme-ensemble-").FullName;
        try
        {
            Dataset digits = EmbeddedData.Digits();
            var network = new Network(64, Loss.CrossEntropy, new Dense(32, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
            network.InitializeWeights(seed: 1);
            var options = new TrainingOptions { Epochs = 5, BatchSize = 32, LearningRate = 1e-3f };
            Func<Optimizer?> adam = () => new Adam(network.Definition.ParameterCount);   // a fresh optimizer per training

            CrossValidationResult cv = CrossValidation.Run(network, digits, options,
                new CrossValidationOptions { Folds = 5, Seed = 1, CreateOptimizer = adam }, TestContext.Current.CancellationToken);
            Assert.InRange(cv.Accuracy!.Value.Mean, 0.8, 1.0);
            Assert.InRange(cv.Accuracy.Value.StandardDeviation, 0.0, 0.1);

            var (train, test) = digits.StratifiedSplit(0.8, seed: 2);
            Ensemble ensemble = Ensemble.Train(network.Definition, train, options,
                new EnsembleOptions { Members = 5, Seed = 10, Bootstrap = true, Voting = Voting.Soft, CreateOptimizer = adam }, TestContext.Current.CancellationToken);
            EnsembleEvaluation e = ensemble.Evaluate(test);
            Assert.InRange(e.Accuracy!.Value, e.Members.Min(m => m.Accuracy!.Value) - 0.02, 1.0);
            string path = Path.Combine(folder, "digits.fbe");
            EnsembleFile.Save(path, ensemble);
            Assert.Equal(e.Accuracy, EnsembleFile.Load(path).Evaluate(test).Accuracy);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
