using System.Diagnostics;
using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.Inference;

/// <summary>Runs alone: sixteen busy threads would slow the parallel collections, and the figures it prints should
/// be the calls' own.</summary>
[CollectionDefinition(nameof(PredictorStressTests), DisableParallelization = true)]
public sealed class PredictorStressCollection
{
}

// ---------------------------------------------------------------------------------------------
// The failure, made to fail loudly if it ever comes back: 16 threads call one shared
// object 100,000 times each (1.6 million rows per entry point; PredictBatch in calls of 4 rows),
// and every output row must have the bits the single-threaded call gives. Before the fix,
// Network.Predict and Model.Predict without a workspace returned wrong rows here, silently
// (Network.Predict: 848,275 of 1.6 million in one run). The network (8-12-4) runs the tiny plan, scalar
// code at every ISA tier, so the test takes seconds even where vector code is emulated
// (DOTNET_EnableHWIntrinsic=0); each thread walks the 64 rows in its own order.
// The rows per second printed (-showLiveOutput) are for the report, not asserted.
// ---------------------------------------------------------------------------------------------

/// <summary>Predictor, Network.Predict and Model.Predict under 16 concurrent threads.</summary>
[Collection(nameof(PredictorStressTests))]
public class PredictorStressTests(ITestOutputHelper log)
{
    private const int Threads = 16;
    private const int CallsPerThread = 100_000;
    private const int Patterns = 64;
    private const int BatchRows = 4;

    private delegate void Call(ReadOnlySpan<float> inputs, Span<float> outputs);

    public static TheoryData<string> EntryPoints => new() { "Predictor.Predict", "Predictor.PredictBatch", "Network.Predict", "Model.Predict" };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void SixteenThreads_EveryOutputHasTheSingleThreadedBits(string entryPoint)
    {
        var network = new Network(8, Loss.HalfSquaredError, new Dense(12, TransferFunction.Tanh), new Dense(4, TransferFunction.Identity));
        network.InitializeWeights(21);
        Model model = PredictorSamples.ScaledModel(network, 22);
        Predictor predictor = model.CreatePredictor();
        float[] inputs = PredictorSamples.Rows(Patterns, 8, 23, bound: 10f);
        bool batch = entryPoint == "Predictor.PredictBatch";
        Call call = entryPoint switch
        {
            "Predictor.Predict" or "Predictor.PredictBatch" => batch ? predictor.PredictBatch : predictor.Predict,
            "Network.Predict" => network.Predict,
            _ => model.Predict,
        };
        bool scaled = entryPoint != "Network.Predict";
        float[] expected = Expected(scaled ? model.Predict : network.Predict, inputs);

        int rowsPerCall = batch ? BatchRows : 1, callsPerThread = CallsPerThread / rowsPerCall;
        (long mismatches, TimeSpan elapsed) = RunThreads(call, inputs, expected, rowsPerCall, callsPerThread);

        long calls = (long)Threads * callsPerThread, rows = calls * rowsPerCall;
        log.WriteLine($"{entryPoint}: {Threads} threads x {callsPerThread:N0} calls = {calls:N0} calls ({rows:N0} rows) in {elapsed.TotalSeconds:F2} s, " +
            $"{rows / elapsed.TotalSeconds:N0} rows/s, {mismatches} outputs differing from the single-threaded ones");
        Assert.Equal(0, mismatches);
    }

    // Each pattern's outputs from one thread, one call at a time.
    private static float[] Expected(Call call, float[] inputs)
    {
        var expected = new float[Patterns * 4];
        for (int p = 0; p < Patterns; p++) call(inputs.AsSpan(p * 8, 8), expected.AsSpan(p * 4, 4));
        return expected;
    }

    // Every thread waits at a barrier, then makes its calls, each on `rows` consecutive patterns starting at a
    // place of its own sequence, and counts the output rows whose bits differ from the expected ones.
    private static (long Mismatches, TimeSpan Elapsed) RunThreads(Call call, float[] inputs, float[] expected, int rows, int calls)
    {
        long mismatches = 0;
        Exception? failure = null;
        using var start = new Barrier(Threads + 1);
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int stride = 2 * t + 1;   // odd, so each thread visits every start row, in its own order
            threads[t] = new Thread(() =>
            {
                try
                {
                    var output = new float[rows * 4];
                    long wrong = 0;
                    start.SignalAndWait();
                    for (int i = 0; i < calls; i++)
                    {
                        int p = (i * stride + stride) % (Patterns - rows + 1);
                        call(inputs.AsSpan(p * 8, rows * 8), output);
                        for (int r = 0; r < rows; r++)
                        {
                            if (!PredictorSamples.SameBits(output.AsSpan(r * 4, 4), expected.AsSpan((p + r) * 4, 4))) wrong++;
                        }
                    }
                    Interlocked.Add(ref mismatches, wrong);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            });
            threads[t].Start();
        }
        start.SignalAndWait();
        var stopwatch = Stopwatch.StartNew();
        foreach (Thread thread in threads) thread.Join();
        stopwatch.Stop();
        if (failure is not null) throw new InvalidOperationException("a predicting thread failed", failure);
        return (mismatches, stopwatch.Elapsed);
    }
}
