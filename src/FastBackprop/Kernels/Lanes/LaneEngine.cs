using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using FastBackprop.Kernels.Operators;

namespace FastBackprop.Kernels.Lanes;

// ---------------------------------------------------------------------------------------------
// LaneEngine: the passes of plain SGD on 16 networks of one shape
// held in lanes (parameter p of network i at [p · 16 + i]; the blocks: LaneBlocks.cs). Each pass
// walks the 16 lanes one register at a time (one Vector512, two Vector256, four Vector128, sixteen
// floats): the lanes never meet, so the width decides speed only. Per network, the operations and
// their order are those of its step alone (Training/BatchStep.cs):
//
//   one pattern (OnlineSgdStep; Network.TrainStep: TinyPlan / SpanPlan, SmallDense / Gemv /
//   GemvTransposedUpdate / OuterProductUpdate)
//     net_k = b_k + canonical Σ_j w_kj x_j;  y = f(net)
//     e = y - d;  E = ½ · canonical Σ_k e_k² (the half squared error; any other loss: its own
//     Loss.Pattern per lane, called by VectorLaneStep; a fused loss's signal is ∂E/∂net, f' skipped)
//     per layer from the top: delta = e ⊙ f'; a_k = scale · delta_k (scale = -eta);
//     s_j from +0: s_j = fma(delta_k, w_kj, s_j), k in order (old weights); w_kj = fma(a_k, x_j, w_kj);
//     b_k = b_k + a_k; s is the layer below's e
//   a batch of B ≥ 2 rows (FusedSgdStep; Network.TrainBatch: BatchPlan, Dense.*Batch, Gemm)
//     Z = bias rows + X Wᵀ (Gemm order over the inputs);  Y = f(Z)
//     E = ½ · canonical Σ over the whole block of (y - d)² (HalfSquaredErrorLoss.SumsWholeBlock);
//     any other loss: Σ_p E_p, each row's by Loss.Pattern, added in row order (OutputLoss.Rows)
//     per layer from the top: dZ = dY ⊙ f'; dX = dZ W (Gemm order over the units, old weights);
//     W = W + scale · (dZᵀ X) block by block (Gemm order over the rows; scale = -eta / B; Gemm
//     leaves W alone when scale is 0); b = (Σ_p dZ_p, rows in order) · scale + b
// Lanes whose batches are shorter than the block's rows are masked (the row masks) out of every
// sum over rows: the loss, the weight product and the bias sums; rows are otherwise independent.
// A tiny shape's pattern passes (widths <= 4, one function throughout) keep each layer's values in
// registers instead of the blocks (TinyLanePasses.cs), with the same operations in the same order.
// ---------------------------------------------------------------------------------------------

/// <summary>The passes of a lane step (see the file header), at the register width the subclass was built for.</summary>
internal abstract class LaneEngine
{
    /// <summary>Forward, then (for the half squared error) the output error and each lane's E (or Σ E) into
    /// <see cref="LaneBlocks.Loss"/>; the other losses are the caller's, row by row (Loss.Pattern).</summary>
    public abstract void ForwardAndLoss(Span<float> parameters, LaneBlocks blocks, int rows, bool batch);

    /// <summary>Backward and the update in place, at <see cref="LaneBlocks.Scale"/> (and <see cref="LaneBlocks.Keep"/>);
    /// with <paramref name="masked"/> the row masks select each lane's rows.</summary>
    public abstract void BackwardAndUpdate(Span<float> parameters, LaneBlocks blocks, int rows, bool batch, bool masked);

    /// <summary>Per lane Σ_p w_p · 0 into <see cref="LaneBlocks.Finite"/>: NaN exactly when some parameter is not finite.
    /// Returns whether every lane's is finite (so that the caller reads the lanes only when one is not).</summary>
    public abstract bool Finiteness(ReadOnlySpan<float> parameters, LaneBlocks blocks);

    /// <summary>The engine at the widest accelerated width (the one place that picks it).</summary>
    public static LaneEngine Create(NetworkDefinition definition)
    {
        // The register-resident passes inline every fused multiply-add of a step; without the instruction each one is
        // SoftwareFma's routine, and they measured 23% slower than the general passes (W1 at Vector128 without FMA).
        bool registerPasses = Fma.IsSupported || AdvSimd.IsSupported;
        if (Vector512.IsHardwareAccelerated) return new LaneEngine<Simd512, Vector512<float>>(definition, registerPasses);
        if (Vector256.IsHardwareAccelerated) return new LaneEngine<Simd256, Vector256<float>>(definition, registerPasses);
        if (Vector128.IsHardwareAccelerated) return new LaneEngine<Simd128, Vector128<float>>(definition, registerPasses);
        return new LaneEngine<SimdScalar, float>(definition, registerPasses);
    }
}

/// <summary>The passes with registers of <typeparamref name="TSimd"/>.</summary>
internal sealed class LaneEngine<TSimd, TVector> : LaneEngine where TSimd : ISimd<TVector> where TVector : struct
{
    private const int Lanes = LaneSums.Stride;
    private readonly LaneTransfer<TSimd, TVector>[] transfers;
    private readonly int[] weightOffsets;   // layer l's weights start at weightOffsets[l] · 16
    private readonly bool halfSquaredError;  // the loss in vector code; any other, the caller's per row
    private readonly bool netGradientGiven;  // the loss gave ∂E/∂net: the output layer skips f'
    private readonly TinyLanePasses<TSimd, TVector>? tiny;   // one pattern in registers, where the shape is tiny

    /// <summary>The passes for <paramref name="definition"/>; with <paramref name="registerPasses"/> a tiny shape's
    /// one-pattern passes are <see cref="TinyLanePasses{TSimd, TVector}"/> (the same bits either way).</summary>
    public LaneEngine(NetworkDefinition definition, bool registerPasses)
    {
        int layers = definition.LayerCount;
        transfers = new LaneTransfer<TSimd, TVector>[layers];
        weightOffsets = new int[layers];
        for (int l = 0; l < layers; l++)
        {
            transfers[l] = LaneTransfers.Create<TSimd, TVector>(((Dense)definition.Layers[l]).Transfer);
            weightOffsets[l] = definition.GetLayout(l).WeightOffset;
        }
        halfSquaredError = definition.Loss == Loss.HalfSquaredError;
        netGradientGiven = OutputLoss.GivesNetGradient(definition);
        tiny = registerPasses ? TinyLanePasses<TSimd, TVector>.For(definition) : null;
    }

    // Not inlined into its caller: a root of its own, so that the JIT's inlining budget (which grows with the root) is
    // spent on the logistic's helpers; inlined into VectorLaneStep.Run's caller, Transcendental's Reduce stayed a call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public override void ForwardAndLoss(Span<float> parameters, LaneBlocks blocks, int rows, bool batch)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        if (tiny is not null && !batch)
        {
            tiny.ForwardAndLoss(ref p, weightOffsets, blocks, halfSquaredError);
            return;
        }
        ref float b = ref MemoryMarshal.GetReference(blocks.Buffer.Span);
        ref float scratch = ref MemoryMarshal.GetReference(blocks.Scratch.Span);
        int[] widths = blocks.Widths;
        int last = transfers.Length - 1, outputs = widths[^1];
        for (int c = 0; c < Lanes; c += TSimd.Count)
        {
            ref float x = ref Unsafe.Add(ref b, blocks.InputOffset + c);
            for (int l = 0; l <= last; l++)
            {
                ref float w = ref Unsafe.Add(ref p, weightOffsets[l] * Lanes + c);
                ref float net = ref Unsafe.Add(ref b, blocks.NetOffsets[l] + c);
                ref float y = ref Unsafe.Add(ref b, blocks.OutputOffsets[l] + c);
                if (batch) LaneDense.NetSumsGemm<TSimd, TVector>(ref w, ref x, ref net, rows, widths[l + 1], widths[l]);
                else LaneDense.NetSums<TSimd, TVector>(ref w, ref x, ref net, widths[l + 1], widths[l]);
                transfers[l].Activate(ref net, ref y, rows, widths[l + 1], ref scratch);
                x = ref y;
            }
            if (!halfSquaredError) continue;
            ref float e = ref Unsafe.Add(ref b, blocks.GradientOffsets[last] + c);
            ref float d = ref Unsafe.Add(ref b, blocks.TargetOffset + c);
            int count = rows * outputs;
            for (int i = 0; i < count; i++)
            {
                nint at = (nint)i * Lanes;
                TSimd.Store(TSimd.Subtract(TSimd.Load(ref Unsafe.Add(ref x, at)), TSimd.Load(ref Unsafe.Add(ref d, at))), ref Unsafe.Add(ref e, at));
            }
            TVector squares = batch
                ? LaneSums.MaskedSquares<TSimd, TVector>(ref e, ref Unsafe.Add(ref b, blocks.MaskOffset + c), rows, outputs, ref scratch)
                : LaneSums.Dot<TSimd, TVector>(ref e, ref e, outputs);
            TSimd.Store(TSimd.Multiply(TSimd.Create(0.5f), squares), ref blocks.Loss[c]);
        }
    }

    public override void BackwardAndUpdate(Span<float> parameters, LaneBlocks blocks, int rows, bool batch, bool masked)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        if (tiny is not null && !batch)
        {
            tiny.BackwardAndUpdate(ref p, weightOffsets, blocks, netGradientGiven);
            return;
        }
        ref float b = ref MemoryMarshal.GetReference(blocks.Buffer.Span);
        ref float scratch = ref MemoryMarshal.GetReference(blocks.Scratch.Span);
        int[] widths = blocks.Widths;
        for (int c = 0; c < Lanes; c += TSimd.Count)
        {
            TVector scale = TSimd.Load(ref blocks.Scale[c]);
            TVector keep = TSimd.Load(ref blocks.Keep[c]);
            ref float mask = ref Unsafe.Add(ref b, blocks.MaskOffset + c);
            for (int l = transfers.Length - 1; l >= 0; l--)
            {
                int units = widths[l + 1], inputs = widths[l];
                ref float w = ref Unsafe.Add(ref p, weightOffsets[l] * Lanes + c);
                ref float delta = ref Unsafe.Add(ref b, blocks.GradientOffsets[l] + c);
                if (l < transfers.Length - 1 || !netGradientGiven)
                {
                    transfers[l].MultiplyByDerivative(ref Unsafe.Add(ref b, blocks.NetOffsets[l] + c), ref Unsafe.Add(ref b, blocks.OutputOffsets[l] + c), ref delta, rows, units, ref scratch);
                }
                bool propagate = l > 0;
                ref float x = ref Unsafe.Add(ref b, (propagate ? blocks.OutputOffsets[l - 1] : blocks.InputOffset) + c);
                ref float s = ref propagate ? ref Unsafe.Add(ref b, blocks.GradientOffsets[l - 1] + c) : ref Unsafe.NullRef<float>();
                if (!batch)
                {
                    LaneDense.BackwardUpdate<TSimd, TVector>(ref w, ref delta, ref x, scale, ref s, units, inputs);
                    continue;
                }
                if (propagate) LaneDense.InputGradientGemm<TSimd, TVector>(ref w, ref delta, ref s, rows, units, inputs);
                LaneDense.UpdateGemm<TSimd, TVector>(ref w, ref delta, ref x, scale, keep, ref mask, masked, rows, units, inputs);
            }
        }
    }

    public override bool Finiteness(ReadOnlySpan<float> parameters, LaneBlocks blocks)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        int count = parameters.Length / Lanes;
        bool anyNaN = false;
        for (int c = 0; c < Lanes; c += TSimd.Count)
        {
            // Four chains, so that the check is not one long chain of dependent fused multiply-adds.
            ref float first = ref Unsafe.Add(ref p, c);
            TVector a0 = TSimd.Zero, a1 = a0, a2 = a0, a3 = a0, zero = a0;
            int e = 0;
            for (; e + 4 <= count; e += 4)
            {
                a0 = TSimd.FusedMultiplyAdd(LaneSums.At<TSimd, TVector>(ref first, e), zero, a0);
                a1 = TSimd.FusedMultiplyAdd(LaneSums.At<TSimd, TVector>(ref first, e + 1), zero, a1);
                a2 = TSimd.FusedMultiplyAdd(LaneSums.At<TSimd, TVector>(ref first, e + 2), zero, a2);
                a3 = TSimd.FusedMultiplyAdd(LaneSums.At<TSimd, TVector>(ref first, e + 3), zero, a3);
            }
            for (; e < count; e++) a0 = TSimd.FusedMultiplyAdd(LaneSums.At<TSimd, TVector>(ref first, e), zero, a0);
            TVector finite = TSimd.Add(TSimd.Add(a0, a1), TSimd.Add(a2, a3));
            TSimd.Store(finite, ref blocks.Finite[c]);
            // ±0 < 1 in a finite lane, false in a NaN lane: NaN lanes select -1, whose sign bit AnyTrue sees.
            anyNaN |= SimdMath.AnyTrue(SimdMath.Select(SimdMath.LessThan(finite, TSimd.Create(1f)), TSimd.Zero, TSimd.Create(-1f)));
        }
        return !anyNaN;
    }
}
