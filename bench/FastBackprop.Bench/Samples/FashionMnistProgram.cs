using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastBackprop.Bench.Config;
using FastBackprop.Data;
using FastBackprop.Diagnostics;
using FastBackprop.Kernels;
using FastBackprop.Training;

namespace FastBackprop.Bench.Samples;

// ---------------------------------------------------------------------------------------------
// W5 fashion (Workload.W5; issue 4 "Accuracy on real data"): Fashion-MNIST, 784-256-128-10, ReLU
// hidden, softmax + cross-entropy, Adam 1e-3, batch 128, 10 epochs, ONE thread. Prints the test
// accuracy and wall time of every epoch and the time to 88 % test accuracy. Targets: >= 88 % by
// epoch 3, >= 89 % by epoch 10.
//
//   dotnet run -c Release --project bench/FastBackprop.Bench -- fashion [folder] [--epochs N] [--seed S] [--scaling none|standard|minmax] [--out file.md]
//
// The test set is the trainer's validation set: it is only evaluated after each epoch (no early
// stopping, nothing is tuned on it), so the epoch time includes one forward pass over the 10,000
// test images (also single-threaded); the separate "train s" column excludes it.
// ---------------------------------------------------------------------------------------------

/// <summary>The W5 accuracy program (<c>fashion</c> command of the bench executable).</summary>
public static class FashionMnistProgram
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts the IDX files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] Files =
    [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ];

    /// <summary>Runs W5; <paramref name="args"/> are the words after <c>fashion</c>. Returns the exit code.</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string folder = DefaultFolder;
        Workload w5 = Workload.W5;
        int epochs = 10;
        ulong seed = w5.WeightSeed;
        string? output = null;
        string scaling = "none";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs" when i + 1 < args.Length: epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed" when i + 1 < args.Length: seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--scaling" when i + 1 < args.Length: scaling = args[++i]; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine($"fashion: unknown option '{args[i]}'. Usage: fashion [folder] [--epochs N] [--seed S] [--scaling none|standard|minmax] [--out report.md (default: bench/results/<cpu>_<date>_W5-fashion.md)]");
                        return 2;
                    }
                    folder = args[i];
                    break;
            }
        }

        string[] paths = new string[Files.Length];
        for (int f = 0; f < Files.Length; f++)
        {
            string? found = Find(folder, Files[f]);
            if (found is null)
            {
                Console.Error.WriteLine(
                    $"fashion: {Files[f]}(.gz) not found in '{folder}'. Fashion-MNIST comes from Debian's package " +
                    "dataset-fashion-mnist: install it with `sudo apt-get install -y dataset-fashion-mnist` " +
                    $"(files land in {DefaultFolder}), or pass the folder holding the four IDX files.");
                return 1;
            }
            paths[f] = found;
        }

        var load = Stopwatch.StartNew();
        Dataset train = Dataset.FromIdx(paths[0], paths[1]);
        Dataset test = Dataset.FromIdx(paths[2], paths[3]);
        if (scaling != "none")
        {
            // Fitted on the training images only, applied to both (as a scikit-learn pipeline would).
            InputScaling fitted = InputScaling.Fit(train, scaling == "standard" ? InputScalingKind.Standardization : InputScalingKind.MinMax);
            train = fitted.Apply(train);
            test = fitted.Apply(test);
        }
        load.Stop();

        if (train.InputWidth != w5.Definition.InputWidth || test.InputWidth != w5.Definition.InputWidth)
        {
            Console.Error.WriteLine($"fashion: {folder} holds {train.InputWidth}-pixel training and {test.InputWidth}-pixel test images; W5 is {w5.Definition}.");
            return 1;
        }
        var network = new Network(w5.Definition);
        network.InitializeWeights(seed);

        var log = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            log.AppendLine(text);
        }

        Line($"W5 fashion: {network.Definition}, {train.Count} training / {test.Count} test images from {folder} (read in {load.Elapsed.TotalSeconds:F1} s)");
        Line(string.Create(CultureInfo.InvariantCulture,
            $"inputs byte/255{(scaling == "none" ? "" : $" then {scaling} scaling fitted on the training set")}; {w5.Description}, {epochs} epochs, seed {seed}, DegreeOfParallelism 1, vector tier {VectorTiers.Active}, {Environment.ProcessorCount} logical cores, load average {ResultsMarkdownExporter.LoadAverage()}"));
        Line("");
        Line("| epoch | train loss | train acc | test loss | test acc | epoch s | train s | samples/s | cumulative s |");
        Line("|------:|-----------:|----------:|----------:|---------:|--------:|--------:|----------:|-------------:|");

        double cumulative = 0;
        double? timeTo88 = null;
        int? epochTo88 = null;
        double lastTrainStart = 0;
        var epochClock = Stopwatch.StartNew();
        double trainSeconds = 0;
        var progress = new SynchronousProgress(report =>
        {
            cumulative += report.Elapsed.TotalSeconds;
            double accuracy = report.Validation!.Accuracy!.Value;
            if (timeTo88 is null && accuracy >= 0.88)
            {
                timeTo88 = cumulative;
                epochTo88 = report.Epoch;
            }
            Line(string.Create(CultureInfo.InvariantCulture,
                $"| {report.Epoch} | {report.TrainingLoss:F4} | {report.TrainingAccuracy:P2} | {report.Validation.Loss:F4} | {accuracy:P2} | {report.Elapsed.TotalSeconds:F2} | {trainSeconds:F2} | {train.Count / trainSeconds:F0} | {cumulative:F2} |"));
            lastTrainStart = epochClock.Elapsed.TotalSeconds;
        });

        TrainingOptions options = w5.CreateTrainingOptions() with
        {
            Epochs = epochs,
            Seed = seed,
            Validation = test,
            // Training time without the test pass: from the end of the previous epoch's report (or the
            // start of Fit) to the end of the epoch's last batch.
            BatchCompleted = b =>
            {
                if (b.Batch == b.BatchCount - 1) trainSeconds = epochClock.Elapsed.TotalSeconds - lastTrainStart;
            },
            Progress = progress,
        };
        var total = Stopwatch.StartNew();
        epochClock.Restart();
        TrainingHistory history = Trainer.Fit(network, train, options);
        total.Stop();

        double at3 = history.Epochs.Count >= 3 ? history.Epochs[2].Validation!.Accuracy!.Value : double.NaN;
        double last = history.Epochs[^1].Validation!.Accuracy!.Value;
        Line("");
        Line(string.Create(CultureInfo.InvariantCulture,
            $"Time to 88 % test accuracy: {(timeTo88 is null ? "not reached" : $"{timeTo88:F2} s (epoch {epochTo88})")}; total Fit {total.Elapsed.TotalSeconds:F1} s"));
        Line(string.Create(CultureInfo.InvariantCulture,
            $"Targets: epoch 3 test accuracy {at3:P2} (target >= 88 %: {(at3 >= 0.88 ? "met" : "MISSED")}), epoch {history.Epochs.Count} {last:P2} (target >= 89 % by epoch 10: {(last >= 0.89 ? "met" : "MISSED")})"));
        Line($"Load average after the run: {ResultsMarkdownExporter.LoadAverage()}");

        // The report goes next to the benchmark reports unless --out says otherwise.
        string cpu = ResultsMarkdownExporter.CpuModel() ?? "unknown CPU";
        output ??= Path.Combine(ResultsMarkdownExporter.ResultsDirectoryPath(),
            $"{ResultsMarkdownExporter.CpuSlug(cpu)}_{DateTime.Now:yyyy-MM-dd}_W5-fashion{(seed == w5.WeightSeed && scaling == "none" && epochs == 10 ? "" : $"-seed{seed}-{scaling}-{epochs}ep")}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, "# W5 fashion: Fashion-MNIST test accuracy and time per epoch\n\n" +
            $"Command: `dotnet run -c Release --project bench/FastBackprop.Bench -- fashion{string.Concat(args.Select(a => " " + a))}`\n\n" +
            $"Machine: {cpu}, {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, {DateTime.Now:yyyy-MM-dd HH:mm}\n\n" + log);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    private static string? Find(string folder, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name, name.Replace("-idx", ".idx", StringComparison.Ordinal) })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    // Progress<T> posts to the thread pool; this one reports on the training thread, in order.
    private sealed class SynchronousProgress(Action<EpochReport> action) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => action(value);
    }
}
