using FastBackprop.Cli.Tests.Support;
using FastBackprop.IO;

namespace FastBackprop.Cli.Tests;

/// <summary>--optimizer: every name trains, its settings reach the model's metadata (which `info` shows), the full-batch
/// methods default to the whole training set, and a bad or misplaced hyper-parameter is one line and exit 1.</summary>
public sealed class OptimizerTests
{
    public static TheoryData<string> Names() => new(
        "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rprop",
        "lbfgs", "lm", "scg", "quickprop", "irprop+", "rprop+", "adagrad", "adamax", "nadam", "radam");

    private static readonly HashSet<string> FullBatch = ["lbfgs", "lm", "scg", "quickprop", "irprop+", "rprop+"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Train_EveryOptimizer_TrainsAndRecordsItsSettings(string name)
    {
        string folder = CliRunner.TempFolder();
        string model = Path.Combine(folder, "m.fbp");
        CliResult result = CliRunner.Run("train", "--optimizer", name, "--layers", "64,8,10", "--epochs", "2", "--out", model, "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        Assert.Contains(FullBatch.Contains(name) ? "batch 1617," : "batch 32,", result.Output, StringComparison.Ordinal);

        Model saved = ModelFile.Load(model);
        Assert.Equal(name, saved.Metadata["optimizer"]);
        string settings = saved.Metadata["optimizer-settings"];
        Assert.StartsWith(name == "rprop" ? "rprop (iRPROP-" : name, settings, StringComparison.Ordinal);

        CliResult info = CliRunner.Run("info", "--model", model);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("optimizer-settings", info.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_FullBatchMethod_KeepsAGivenBatchSize()
    {
        string folder = CliRunner.TempFolder();
        CliResult result = CliRunner.Run("train", "--optimizer", "lbfgs", "--layers", "64,8,10", "--epochs", "1", "--batch-size", "200",
            "--iterations", "3", "--history", "4", "--out", Path.Combine(folder, "m.fbp"), "--no-plot");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("lbfgs, learning rate 1, batch 200,", result.Output, StringComparison.Ordinal);
        Assert.Equal("lbfgs (history 4, iterations 3, evaluations 3, strong-Wolfe line search), learning rate 1",
            ModelFile.Load(Path.Combine(folder, "m.fbp")).Metadata["optimizer-settings"]);
    }

    public static TheoryData<string[], string> BadSettings() => new()
    {
        { ["--optimizer", "lm", "--mu", "-1"], "--optimizer lm: --mu is -1; expected a finite number > 0." },
        { ["--optimizer", "lm", "--mu-increase", "0.5"], "--optimizer lm: --mu-increase is 0.5; expected a finite number > 1." },
        { ["--optimizer", "lm", "--mu-decrease", "2"], "--optimizer lm: --mu-decrease is 2; expected a number in (0, 1)." },
        { ["--optimizer", "lbfgs", "--history", "0"], "--optimizer lbfgs: --history is 0; expected at least 1." },
        { ["--optimizer", "lbfgs", "--iterations", "0"], "--optimizer lbfgs: --iterations is 0; expected at least 1." },
        { ["--optimizer", "scg", "--sigma", "0"], "--optimizer scg: --sigma is 0; expected a finite number > 0." },
        { ["--optimizer", "quickprop", "--max-growth", "-2"], "--optimizer quickprop: --max-growth is -2; expected a finite number > 0." },
        { ["--optimizer", "rprop+", "--step-increase", "0.9"], "--optimizer rprop+: --step-increase is 0.9; expected a finite number > 1." },
        { ["--optimizer", "irprop+", "--initial-step", "100"], "--optimizer irprop+: --initial-step is 100; expected a number in [1E-06, 50]." },
        { ["--optimizer", "nadam", "--beta1", "1"], "--optimizer nadam: --beta1 is 1; expected a number in [0, 1)." },
        { ["--optimizer", "radam", "--epsilon", "0"], "--optimizer radam: --epsilon is 0; expected a finite number > 0." },
        { ["--optimizer", "adagrad", "--lr-decay", "-1"], "--optimizer adagrad: --lr-decay is -1; expected a finite number >= 0." },
        { ["--optimizer", "adam", "--mu", "3"], "--mu does not apply to --optimizer adam; it sets lm." },
        { ["--optimizer", "sgd", "--beta1", "0.5"], "--beta1 does not apply to --optimizer sgd; it sets adam/adamw/adamax/nadam/radam." },
        { ["--optimizer", "lm", "--layers", "64,128,10"], "--optimizer lm: the network has 9610 parameters; Levenberg-Marquardt handles at most 4096 parameters" },
        { ["--optimizer", "lbfgs", "--history", "many"], "--history is 'many'; expected a whole number." },
        { ["--optimizer", "lbfgs", "--dropout", "0.2"], "--dropout does not apply to --optimizer lbfgs: it compares the loss at trial weights" },
        { ["--optimizer", "lbfgs", "--weight-decay", "0.01"], "--weight-decay does not apply to --optimizer lbfgs; it sets sgd/momentum/nesterov/adam/adamw/rmsprop/rprop/irprop+/rprop+/quickprop/adagrad/adamax/nadam/radam." },
        { ["--optimizer", "adam", "--momentum", "0.5"], "--momentum does not apply to --optimizer adam; it sets momentum/nesterov." },
        { ["--optimizer", "lm", "--clip-norm", "1"], "--clip-norm does not apply to --optimizer lm: it computes its own gradients at trial weights and needs them unclipped." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Train_BadHyperParameter_IsOneLineAndExit1(string[] args, string message)
    {
        string folder = CliRunner.TempFolder();
        string[] layers = args.Contains("--layers") ? [] : ["--layers", "64,4,10"];
        CliResult result = CliRunner.Run(["train", .. layers, "--epochs", "1", "--out", Path.Combine(folder, "m.fbp"), "--no-plot", .. args]);
        UserErrorAssert.OneLine(result, message);
        Assert.False(File.Exists(Path.Combine(folder, "m.fbp")));
    }
}
