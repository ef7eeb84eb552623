using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastBackprop.Data;
using FastBackprop.Kernels.Lanes;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// VectorLaneStep's common step, which FitMany's lock-step driver takes at batch size 1: every lane
// one row, the half squared error, no sample weights. Then no lane is frozen and none has a batch,
// so one loop over the lanes gathers the rows and sets the rates, and nothing is saved or restored
// (the general Run spends most of a tiny network's step in its four loops over the lanes and their
// bookkeeping). The passes are the general path's single-pattern passes, so the bits are its bits.
// Anything else (a count other than 1, a row out of range, a loss not finite) leaves it before
// any parameter changes: the general path then takes the whole step again from the start.
// ---------------------------------------------------------------------------------------------

/// <summary>The single-row fast path of <see cref="VectorLaneStep"/> (see the file header).</summary>
internal sealed partial class VectorLaneStep
{
    // True when the step is taken; false (parameters untouched) when the general path must take it.
    private bool TryRunOnline(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results)
    {
        if (!GatherOnline(rows, counts, rates)) return false;
        Span<float> all = parameters.Span;
        engine.ForwardAndLoss(all, single, 1, batch: false);
        bool finite = true;
        float[] loss = single.Loss;
        for (int i = 0; i < Lanes; i++)
        {
            results[i] = StepResult.Finite(loss[i]);
            finite &= float.IsFinite(loss[i]);
        }
        if (!finite) return false;   // that lane is frozen: the general path's step
        engine.BackwardAndUpdate(all, single, 1, batch: false, masked: false);
        if (!lastAllSingle)
        {
            for (int i = 0; i < Lanes; i++) lastBlocks[i] = single;
            lastAllSingle = true;
        }
        if (engine.Finiteness(all, single)) return true;
        Array.Clear(frozen);
        ReportNonFiniteWeights(single, results);
        return true;
    }

    // Every lane's one row into the single blocks and its update scale -rate; false if some lane has not exactly one
    // row in range (what the general path's checks and errors are for). Writes nothing a parameter depends on.
    private bool GatherOnline(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates)
    {
        if (sharedGather) return GatherShared(rows, counts, rates);
        ref float b = ref MemoryMarshal.GetReference(single.Buffer.Span);
        ref float xBlock = ref Unsafe.Add(ref b, single.InputOffset);
        ref float dBlock = ref Unsafe.Add(ref b, single.TargetOffset);
        float[] scale = single.Scale;
        int inputs = definition.InputWidth, targets = definition.OutputWidth;
        for (int i = 0; i < Lanes; i++)
        {
            Dataset set = data[i];
            int row = rows[i * BatchSize];
            if (counts[i] != 1 || (uint)row >= (uint)set.Count) return false;
            CopyToLane(ref Unsafe.Add(ref MemoryMarshal.GetReference(set.Inputs), row * inputs), ref Unsafe.Add(ref xBlock, i), inputs);
            CopyToLane(ref Unsafe.Add(ref MemoryMarshal.GetReference(set.Targets), row * targets), ref Unsafe.Add(ref dBlock, i), targets);
            scale[i] = -rates[i];
        }
        return true;
    }

    // GatherOnline when all 16 lanes read one data set at batch size 1 and the CPU gathers: the counts, row checks,
    // rates and copies as whole registers. Two Vector256 halves, not one Vector512: the gathers are AVX2's, and at the
    // Vector256 tier a Vector512 would be emulated.
    private bool GatherShared(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates)
    {
        Dataset set = data[0];
        Vector256<int> low = Vector256.Create(rows), high = Vector256.Create(rows[8..]);
        Vector256<uint> count = Vector256.Create((uint)set.Count);
        if (!Vector256.EqualsAll(Vector256.Create(counts), Vector256<int>.One) || !Vector256.EqualsAll(Vector256.Create(counts[8..]), Vector256<int>.One)
            || !Vector256.LessThanAll(low.AsUInt32(), count) || !Vector256.LessThanAll(high.AsUInt32(), count))
        {
            return false;
        }
        ref float b = ref MemoryMarshal.GetReference(single.Buffer.Span);
        LaneGather.Rows(low, high, set.Inputs, definition.InputWidth, ref Unsafe.Add(ref b, single.InputOffset));
        LaneGather.Rows(low, high, set.Targets, definition.OutputWidth, ref Unsafe.Add(ref b, single.TargetOffset));
        (-Vector256.Create(rates)).CopyTo(single.Scale);
        (-Vector256.Create(rates[8..])).CopyTo(single.Scale.AsSpan(8));
        return true;
    }
}
