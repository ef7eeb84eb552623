using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>Ensemble.Predict from several threads at once on one ensemble gives every row the bits one thread gives it
/// (its scratch rows were fields of the ensemble, shared by every call).</summary>
public sealed class EnsembleConcurrencyTests
{
    [Theory]
    [InlineData(Voting.Soft)]
    [InlineData(Voting.Hard)]
    public void Predict_FromEightThreads_EqualsOneThreadBitForBit(Voting voting)
    {
        Dataset data = EnsembleSamples.Labelled(64, 3, seed: 11);
        Model[] members = [.. Enumerable.Range(0, 5).Select(m => new Model(EnsembleSamples.Classifier(3, seed: 20 + (ulong)m), scaling: null))];
        var ensemble = new Ensemble(members, voting);
        var expected = new float[data.Count * 3];
        for (int p = 0; p < data.Count; p++) ensemble.Predict(data.GetInput(p), expected.AsSpan(p * 3, 3));

        int wrong = 0;
        var threads = new Thread[8];
        for (int t = 0; t < threads.Length; t++)
        {
            int offset = t;
            threads[t] = new Thread(() =>
            {
                var output = new float[3];
                for (int call = 0; call < 20_000; call++)
                {
                    int p = (call + (offset * 7)) % data.Count;
                    ensemble.Predict(data.GetInput(p), output);
                    if (!output.AsSpan().SequenceEqual(expected.AsSpan(p * 3, 3))) Interlocked.Increment(ref wrong);
                }
            });
        }
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();
        Assert.Equal(0, wrong);
    }
}
