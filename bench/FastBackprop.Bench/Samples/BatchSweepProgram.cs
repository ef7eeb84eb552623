using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastBackprop.Diagnostics;

namespace FastBackprop.Bench.Samples;

// ---------------------------------------------------------------------------------------------
// The batch and width sweeps of issue 15 ("make throughput rise with the batch size"): TrainBatch
// (plain SGD, eta 0.01) on resident random batches, on 1 and 2 threads.
//
//   dotnet run -c Release --project bench/FastBackprop.Bench -- batch-sweep [--trials 7] [--seconds 0.2] [--only batch|width] [--out file.md]
//
//   batch sweep  784-256-128-10 (relu, relu, softmax; cross-entropy) at batch 1, 4, 16, 64, 256, 1024
//   width sweep  784-w-w-10 (the same functions) at batch 128, w = 32, 64, ..., 2048
//
// Each row times its 1-thread and 2-thread workspaces in alternating trials (so a drifting machine
// load hits both alike) and keeps each one's best trial. GFLOP/s counts the executed flops: per
// layer 2 B in out for the forward product and for the weight gradient, and for the input gradient
// of every layer but the first. The peak probe runs the same way, alone and on both threads at once,
// and its own 2-thread ratio is the yardstick of the others' (issue 15's targets).
// ---------------------------------------------------------------------------------------------

/// <summary>The batch and width sweeps (<c>batch-sweep</c> command of the bench executable).</summary>
public static class BatchSweepProgram
{
    /// <summary>Runs both sweeps and prints them as markdown tables (also to <c>--out</c>).</summary>
    public static int Run(string[] args)
    {
        int trials = CommandOptions.Int(args, "--trials", 7);
        double seconds = CommandOptions.Double(args, "--seconds", 0.2);
        string? output = CommandOptions.Text(args, "--out");
        string only = CommandOptions.Text(args, "--only") ?? "both";
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# Batch and width sweeps: {Environment.ProcessorCount} logical CPUs, {PeakProbe.Tier}, best of {trials} alternating trials of {seconds} s");
        report.AppendLine();
        (double peak1, double peak2) = ProbeRatio(trials, seconds);
        report.AppendLine(CultureInfo.InvariantCulture, $"Peak probe: {peak1:F1} GFLOP/s on 1 thread, {peak2:F1} on 2 threads together: ratio {peak2 / peak1:F2}.");
        report.AppendLine();
        if (only != "width")
        {
            report.AppendLine("## Batch sweep: 784-256-128-10, relu, relu, softmax + cross-entropy, SGD 0.01");
            report.AppendLine();
            Header(report, "batch");
            foreach (int batch in new[] { 1, 4, 16, 64, 256, 1024 }) Row(report, batch.ToString(CultureInfo.InvariantCulture), 256, 128, batch, trials, seconds, peak2 / peak1);
            report.AppendLine();
        }
        if (only != "batch")
        {
            report.AppendLine("## Width sweep: 784-w-w-10 at batch 128");
            report.AppendLine();
            Header(report, "w");
            for (int w = 32; w <= 2048; w *= 2) Row(report, w.ToString(CultureInfo.InvariantCulture), w, w, 128, trials, seconds, peak2 / peak1);
        }
        Console.Write(report);
        if (output is not null) File.WriteAllText(output, report.ToString());
        return 0;
    }

    private static void Header(StringBuilder report, string first)
    {
        report.AppendLine(CultureInfo.InvariantCulture, $"| {first} | samples/s 1t | GFLOP/s 1t | samples/s 2t | GFLOP/s 2t | 2t/1t | of probe ratio |");
        report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
    }

    private static void Row(StringBuilder report, string label, int w1, int w2, int batch, int trials, double seconds, double probeRatio)
    {
        Network network = new(784, Loss.CrossEntropy, new Dense(w1, TransferFunction.Relu), new Dense(w2, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(1);
        var random = new SeededRandom(6);
        float[] x = new float[batch * 784], d = new float[batch * 10];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle();
        for (int p = 0; p < batch; p++) d[p * 10 + (p * 7 % 10)] = 1f;
        using BatchWorkspace one = network.CreateBatchWorkspace(batch, 1), two = network.CreateBatchWorkspace(batch, 2);
        double best1 = 0, best2 = 0;
        for (int t = 0; t < trials; t++)
        {
            best1 = Math.Max(best1, StepsPerSecond(network, x, d, one, seconds));
            best2 = Math.Max(best2, StepsPerSecond(network, x, d, two, seconds));
        }
        double flops = 2.0 * batch * ((2.0 * 784 * w1) + (3.0 * w1 * w2) + (3.0 * w2 * 10));
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {label} | {best1 * batch:F0} | {best1 * flops / 1e9:F1} | {best2 * batch:F0} | {best2 * flops / 1e9:F1} | {best2 / best1:F2} | {best2 / best1 / probeRatio:P0} |");
        Console.Error.WriteLine(report.ToString().Split('\n')[^2]);
    }

    private static double StepsPerSecond(Network network, float[] x, float[] d, BatchWorkspace ws, double seconds)
    {
        network.TrainBatch(x, d, 0.01f, ws);
        long steps = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            network.TrainBatch(x, d, 0.01f, ws);
            steps++;
        }
        while (clock.Elapsed.TotalSeconds < seconds);
        return steps / clock.Elapsed.TotalSeconds;
    }

    // The probe on one thread, then on two at once (each thread's rate summed), alternating, best of each.
    private static (double One, double Two) ProbeRatio(int trials, double seconds)
    {
        double best1 = 0, best2 = 0;
        TimeSpan duration = TimeSpan.FromSeconds(seconds);
        for (int t = 0; t < trials; t++)
        {
            best1 = Math.Max(best1, PeakProbe.MeasureGflops(duration));
            double other = 0;
            var thread = new Thread(() => other = PeakProbe.MeasureGflops(duration));
            thread.Start();
            double mine = PeakProbe.MeasureGflops(duration);
            thread.Join();
            best2 = Math.Max(best2, mine + other);
        }
        return (best1, best2);
    }
}
