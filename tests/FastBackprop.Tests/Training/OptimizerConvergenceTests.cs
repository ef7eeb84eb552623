using FastBackprop.Data;
using FastBackprop.Diagnostics;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// Convergence facts from fixed seeds: Levenberg-Marquardt and L-BFGS (full batch, through
// Trainer.Fit) bring the mean error E = ½ Σ (d - y)² per pattern below 1e-4 on two problems in
// far fewer epochs than SGD. Measured on this machine (AVX-512), epochs to E < 1e-4:
//
//   problem                                          LM   L-BFGS   SCG   SGD
//   XOR, 2-3-1 (tanh, logistic), seed 1              14     2      29    3,461 (online, eta 0.5)
//   2-4-3-2 teacher on W1's 1,024 inputs, seed 42     7     3      33       53 (online, eta 0.5: 54,272 steps)
//
// (An L-BFGS epoch is up to 20 iterations, torch's max_iter per step.) W1's own targets are
// independent uniform draws: no 2-4-3-2 network fits them (the best E any optimizer here reaches is
// about 0.052), so "the 2-4-3-2 problem" is W1's network, initial weights and inputs with targets
// from a 2-4-3-2 teacher (seed 7, weights x 3), which the student can fit exactly. The budgets below
// are about twice the measured counts (tiers round differently, and so move the trajectory a little).
// ---------------------------------------------------------------------------------------------

/// <summary>LM and L-BFGS against SGD on XOR and the 2-4-3-2 problem.</summary>
public class OptimizerConvergenceTests
{
    private const double Target = 1e-4;

    public static TheoryData<string, string, int> Cases() => new()
    {
        { "xor", "lm", 30 },
        { "xor", "lbfgs", 5 },
        { "xor", "scg", 60 },
        { "teacher", "lm", 15 },
        { "teacher", "lbfgs", 6 },
        { "teacher", "scg", 70 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SecondOrderOptimizers_ReachTheTargetError_InFarFewerEpochsThanSgd(string problem, string optimizer, int budget)
    {
        (Network network, Dataset data) = Problem(problem);
        int n = network.Definition.ParameterCount;
        Optimizer chosen = optimizer switch
        {
            "lm" => new LevenbergMarquardt(n),
            "lbfgs" => new Lbfgs(n),
            _ => new ScaledConjugateGradient(n),
        };
        int reached = EpochsTo(network, data, new TrainingOptions { Epochs = budget, BatchSize = data.Count, Optimizer = chosen, LearningRate = 1f });
        Assert.True(reached > 0, $"{optimizer} on {problem}: E still >= {Target} after {budget} epochs.");

        // SGD as the derivation trains (online, eta 0.5) is still above the target after 1,000 epochs of XOR and 30 of
        // the 2-4-3-2 problem, 30 and 2 times the largest budget above (measured: it needs 3,461 and 53).
        (Network sgdNetwork, _) = Problem(problem);
        int sgdEpochs = problem == "xor" ? 1000 : 30;
        int sgd = EpochsTo(sgdNetwork, data, new TrainingOptions { Epochs = sgdEpochs, BatchSize = 1, LearningRate = 0.5f });
        Assert.True(sgd < 0, $"online SGD reached E < {Target} on {problem} at epoch {sgd}, within {sgdEpochs}.");
    }

    // The first epoch whose mean training error is below the target; -1 if none.
    private static int EpochsTo(Network network, Dataset data, TrainingOptions options)
    {
        int reached = -1;
        var progress = new Progress(report => { if (reached < 0 && report.TrainingLoss < Target) reached = report.Epoch; });
        TrainingSamples.Fit(network, data, options with { Progress = progress, Shuffle = false });
        return reached;
    }

    internal static (Network Network, Dataset Data) Problem(string name)
    {
        if (name == "xor")
        {
            var xor = new Network(2, Loss.HalfSquaredError, new Dense(3, TransferFunction.Tanh), new Dense(1, TransferFunction.Logistic));
            xor.InitializeWeights(1);
            return (xor, new Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]));
        }
        Workload w1 = Workload.W1;
        var student = new Network(w1.Definition);
        student.InitializeWeights(w1.WeightSeed);
        var teacher = new Network(w1.Definition);
        teacher.InitializeWeights(7);
        for (int i = 0; i < teacher.Parameters.Length; i++) teacher.Parameters[i] *= 3;
        float[] inputs = new float[w1.PatternCount * 2], ignored = new float[w1.PatternCount * 2];
        w1.FillPatterns(inputs, ignored);
        var x = new float[w1.PatternCount][];
        var d = new float[w1.PatternCount][];
        for (int p = 0; p < x.Length; p++)
        {
            x[p] = inputs[(2 * p)..(2 * p + 2)];
            d[p] = new float[2];
            teacher.Predict(x[p], d[p]);
        }
        return (student, new Dataset(x, d));
    }

    private sealed class Progress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
