namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// The network's own workspace, which the overloads without a workspace run in, is lent to one call
// at a time through an interlocked flag. Before, two threads calling Predict at once ran in the
// same buffers and returned each other's outputs, silently (0.6-1.1% wrong with 8 threads).
// Now an inference call that finds it busy runs in a per-thread scratch (InferenceScratch; the
// workspace only holds intermediate values, so the bits are the same), and a training call
// throws: its masks come from the own workspace's generator, whose sequence would otherwise
// depend on the interleaving of threads. The uncontended cost is one interlocked exchange and a
// store; the overloads taking a workspace, which Trainer uses, are untouched.
// ---------------------------------------------------------------------------------------------

public sealed partial class Network
{
    private int ownWorkspaceBusy;   // 1 while a call runs in `workspace`

    // The own workspace if no other call holds it, else null.
    private Workspace? TakeOwnWorkspace() => Interlocked.Exchange(ref ownWorkspaceBusy, 1) == 0 ? workspace : null;

    private Workspace TakeOwnWorkspaceForTraining(string member) =>
        TakeOwnWorkspace() ?? throw new InvalidOperationException(
            $"Network.{member} was called while another call was using the network's own workspace (calls on one network from " +
            "several threads at once): training calls on one network cannot run concurrently. Give each thread its own network, " +
            "or its own Workspace with the overloads that take one; for predictions, use Predict or a Predictor.");

    // Release semantics: this call's writes to the workspace happen before the next taker's reads.
    private void ReturnOwnWorkspace() => Volatile.Write(ref ownWorkspaceBusy, 0);

    private void PredictInThreadScratch(ReadOnlySpan<float> input, Span<float> output)
    {
        InferenceScratch scratch = InferenceScratch.Rent(Definition);
        Predict(input, output, scratch.Workspace);
        InferenceScratch.Return(scratch);   // not on an exception: the next call makes another (rare, and no leak)
    }

    private float ComputeLossInThreadScratch(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        InferenceScratch scratch = InferenceScratch.Rent(Definition);
        float error = ComputeLoss(input, target, scratch.Workspace);
        InferenceScratch.Return(scratch);
        return error;
    }
}
