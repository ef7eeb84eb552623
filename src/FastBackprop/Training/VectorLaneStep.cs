using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastBackprop.Data;
using FastBackprop.Kernels;
using FastBackprop.Kernels.Lanes;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// VectorLaneStep: the LaneStep of up to 16 plain-SGD runs of one shape, one network per vector
// lane (parameter p of lane i at [p · 16 + i]): every instruction of a pass advances a register's
// worth of networks (Kernels/Lanes/LaneEngine.cs has the passes and their order, which is each
// network's own BatchStep's, so every lane ends with its alone bits at every tier).
//
// A step: each lane's rows are gathered from its own data set into the lane-major blocks, then
//   - lanes with one row take the per-pattern step (OnlineSgdStep, and FusedSgdStep's batch of
//     one: Network.TrainBatch runs a single row through TrainStep at the full rate),
//   - lanes with two or more rows the batch step (FusedSgdStep: the mean, -eta / B),
// each kind in one pass over all 16 lanes, the lanes of the other kind (and those with no rows)
// frozen: saved before the backward and written back after, so that no lane moves unless it
// steps. A lane whose loss is not finite is frozen as well (its own step makes no update) and
// reported; a lane with a parameter not finite after its update is reported. Each lane's loss
// sum is its own step's: E for a pattern, (E / B) · B for a batch (Network.TrainBatch returns the
// mean, NetworkBatchCalls scales it back).
// Losses: the half squared error in the engine's vector code; any other built-in loss by its own
// Loss.Pattern per lane and row (the call each run's step makes), summed in row order. Sample
// weights as BatchStep: a batch whose weights sum to 0 is no step; a pattern of an engine of batch
// size 1 steps at rate x w_p; a larger batch takes the weighted mean (RowWeighting's rule per lane).
// ---------------------------------------------------------------------------------------------

/// <summary>Plain SGD on up to 16 networks of one shape in the lanes of one vector (see the file header).</summary>
internal sealed partial class VectorLaneStep : LaneStep
{
    private const int Width = LaneSums.Stride;
    private readonly NetworkDefinition definition;
    private readonly Dataset[] data;
    private readonly LaneEngine engine;
    private readonly LaneBlocks single;    // one pattern
    private readonly LaneBlocks? batch;    // two or more rows (batch sizes above 1)
    private readonly AlignedBuffer parameters;
    private readonly float[] saved;        // frozen lanes' parameters, lane-major: [lane · P + p]
    private readonly bool[] frozen = new bool[Width];
    private readonly LaneBlocks?[] lastBlocks = new LaneBlocks?[Width];
    private readonly float[] outputs;      // one lane's outputs, row-major
    private readonly int parameterCount;
    private readonly bool halfSquaredError;   // the engine's vector loss; any other loss row by row here
    private readonly float[] rowNet, rowOutput, rowTarget, rowSignal;   // one lane's output row, for Loss.Pattern
    private readonly float[] rowErrors;      // each lane's E_p of the last PatternLosses: [lane · BatchSize + p]
    private readonly float[] rowWeights;     // one lane's batch's sample weights
    private readonly float[] rowSignals;     // one lane's batch's output signals, row-major
    private readonly int[] laneCounts = new int[Width];     // rows per lane in this Run (0: no step)
    private readonly float[] laneRates = new float[Width];  // learning rate per lane in this Run (times w_p online)
    private readonly bool weighted;          // some lane's data set has sample weights
    private readonly bool onlineFast;        // TryRunOnline may take a step: the half squared error, no sample weights
    private readonly bool sharedGather;      // GatherOnline by hardware gathers: 16 lanes on one data set, batch size 1
    private bool lastAllSingle;              // every lane's lastBlocks is single (TryRunOnline's last step)

    /// <summary>An engine for <paramref name="lanes"/> runs of <paramref name="definition"/>, lane i on data set
    /// <paramref name="data"/>[i], at most <paramref name="batchSize"/> rows per step. Every lane starts with zero
    /// parameters: <see cref="LaneStep.Load"/> each before the first <see cref="Run"/>.</summary>
    /// <exception cref="ArgumentException">The shape, data or batch size is not one <see cref="Supports"/> accepts,
    /// or <paramref name="data"/> does not have <paramref name="lanes"/> data sets.</exception>
    public VectorLaneStep(NetworkDefinition definition, IReadOnlyList<Dataset> data, int batchSize, int lanes)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lanes, Capacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count != lanes) throw new ArgumentException($"data has {data.Count} data sets; expected one per lane ({lanes}).", nameof(data));
        if (!SupportsShape(definition)) throw new ArgumentException($"The lane engine does not train {definition}.", nameof(definition));
        this.data = new Dataset[lanes];
        for (int i = 0; i < lanes; i++)
        {
            Dataset set = data[i];
            if (set.InputWidth != definition.InputWidth || set.TargetWidth != definition.OutputWidth)
            {
                throw new ArgumentException($"data[{i}] has {set.InputWidth} inputs and {set.TargetWidth} targets; the network {definition.InputWidth} and {definition.OutputWidth}.", nameof(data));
            }
            weighted |= set.HasWeights;
            this.data[i] = set;
        }
        this.definition = definition;
        Lanes = lanes;
        BatchSize = batchSize;
        parameterCount = definition.ParameterCount;
        engine = LaneEngine.Create(definition);
        single = new LaneBlocks(definition, 1);
        batch = batchSize > 1 ? new LaneBlocks(definition, batchSize) : null;
        parameters = new AlignedBuffer(parameterCount * Width);
        saved = new float[parameterCount * Width];
        outputs = new float[batchSize * definition.OutputWidth];
        halfSquaredError = definition.Loss == Loss.HalfSquaredError;
        onlineFast = halfSquaredError && !weighted;
        sharedGather = lanes == Width && batchSize == 1 && LaneGather.IsSupported && Array.TrueForAll(this.data, set => ReferenceEquals(set, this.data[0]));
        rowErrors = new float[Width * batchSize];
        rowWeights = new float[batchSize];
        rowSignals = new float[batchSize * definition.OutputWidth];
        int width = definition.OutputWidth;
        (rowNet, rowOutput, rowTarget, rowSignal) = (new float[width], new float[width], new float[width], new float[width]);
    }

    public override int Lanes { get; }

    public override int BatchSize { get; }

    /// <summary>Whether this engine trains <paramref name="definition"/> with <paramref name="options"/> at
    /// <paramref name="batchSize"/> on <paramref name="data"/> with each lane's bits equal to its own Fit: plain SGD
    /// (no optimizer, clipping, L1/L2 or max-norm), dense layers with built-in transfer functions, a built-in loss; sample
    /// weights or none. False: train the run alone.</summary>
    public static bool Supports(NetworkDefinition definition, TrainingOptions options, int batchSize, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        bool plainSgd = options.Optimizer is null && options.GradientClipNorm == 0 && options.Regularization is not { HasPenalty: true }
            && ParameterPenalty.ForMaxNorm(definition, options.Regularization) is null;
        return plainSgd && batchSize >= 1 && SupportsShape(definition);
    }

    private static bool SupportsShape(NetworkDefinition definition)
    {
        if (definition.Loss.GetType().Assembly != typeof(Loss).Assembly) return false;   // a user-defined loss: alone
        foreach (Layer layer in definition.Layers)
        {
            if (layer is not Dense dense || !LaneTransfers.Supports(dense.Transfer)) return false;
        }
        return true;
    }

    public override void Load(int lane, ReadOnlySpan<float> parameters)
    {
        CheckLane(lane);
        ThrowHelper.CheckLength(parameters.Length, parameterCount, nameof(parameters));
        Span<float> all = this.parameters.Span;
        for (int p = 0; p < parameterCount; p++) all[(p * Width) + lane] = parameters[p];
    }

    public override void Store(int lane, Span<float> parameters)
    {
        CheckLane(lane);
        ThrowHelper.CheckLength(parameters.Length, parameterCount, nameof(parameters));
        ReadOnlySpan<float> all = this.parameters.Span;
        for (int p = 0; p < parameterCount; p++) parameters[p] = all[(p * Width) + lane];
    }

    public override void Run(ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results)
    {
        if (counts.Length < Lanes || rates.Length < Lanes || results.Length < Lanes || rows.Length < Lanes * BatchSize)
        {
            throw new ArgumentException($"Run needs {Lanes} counts, rates and results and {Lanes * BatchSize} rows.");
        }
        if (onlineFast && TryRunOnline(rows, counts, rates, results)) return;
        lastAllSingle = false;
        bool anySingle = false, anyBatch = false;
        for (int i = 0; i < Lanes; i++)
        {
            int count = counts[i];
            if ((uint)count > (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(counts), count, $"counts[{i}] is {count}; expected 0 to {BatchSize}.");
            laneRates[i] = rates[i];
            if (weighted && count > 0 && data[i].HasWeights && WeighsNothing(data[i].Weights, rows.Slice(i * BatchSize, count), ref laneRates[i])) count = 0;
            laneCounts[i] = count;
            anySingle |= count == 1;
            anyBatch |= count > 1;
            if (count > 0) continue;   // RunKind writes its result
            results[i] = StepResult.Finite(0f);   // a lane with no rows makes no step
            if (lastBlocks[i] is not null) lastBlocks[i] = null;
        }
        if (anySingle) RunKind(single, rows, laneCounts, laneRates, results, batchRows: false);
        if (anyBatch) RunKind(batch!, rows, laneCounts, laneRates, results, batchRows: true);
    }

    // BatchStep.Run's rule: a batch whose weights sum to 0 makes no step. Online (an engine of batch size 1) a pattern's
    // step is at rate x w_p (OnlineSgdStep); a batch of one in a larger engine is the plain step (the weighted mean of
    // one row is its loss), and a larger batch is weighted after its loss (WeighRows).
    private bool WeighsNothing(ReadOnlySpan<float> weights, ReadOnlySpan<int> batchRows, ref float rate)
    {
        float sum = 0f;
        for (int p = 0; p < batchRows.Length; p++) sum += weights[batchRows[p]];   // SampleWeighting.Sum, in row order
        if (BatchSize == 1) rate *= weights[batchRows[0]];
        return sum == 0;
    }

    /// <summary>The output layer's values of lane <paramref name="lane"/>'s step in the last <see cref="Run"/>
    /// (empty if it made none there), <paramref name="count"/> rows, row-major. Valid until the next Run.</summary>
    public override ReadOnlySpan<float> Outputs(int lane, int count)
    {
        CheckLane(lane);
        LaneBlocks? blocks = lastBlocks[lane];
        if (blocks is null) return default;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, blocks.Rows);
        int width = definition.OutputWidth, last = definition.LayerCount - 1;
        for (int p = 0; p < count; p++)
        {
            for (int k = 0; k < width; k++) outputs[(p * width) + k] = blocks.Output(last, p, k, lane);
        }
        return outputs.AsSpan(0, count * width);
    }

    // One pass of the lanes whose step is of this kind (batchRows: two or more rows), the others frozen. The lanes
    // past Lanes are neither frozen nor read: whatever they compute stays in them.
    private void RunKind(LaneBlocks blocks, ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, ReadOnlySpan<float> rates, Span<StepResult> results, bool batchRows)
    {
        int used = 0;
        bool masked = false, anyFrozen = false;
        for (int i = 0; i < Lanes; i++)
        {
            int count = counts[i];
            bool steps = count > 0 && (count > 1) == batchRows;
            frozen[i] = !steps;
            anyFrozen |= !steps;
            if (!steps) continue;
            masked |= used > 0 && count != used;
            used = Math.Max(used, count);
        }
        Gather(blocks, rows, counts, used, batchRows);
        engine.ForwardAndLoss(parameters.Span, blocks, used, batchRows);
        if (!halfSquaredError) PatternLosses(blocks, counts, batchRows);
        if (weighted && batchRows) WeighRows(blocks, rows, counts);
        for (int i = 0; i < Lanes; i++)
        {
            if (frozen[i]) continue;
            if (!ReferenceEquals(lastBlocks[i], blocks)) lastBlocks[i] = blocks;   // a reference store is a GC write barrier: only on change
            float count = counts[i];
            float sum = batchRows ? blocks.Loss[i] / count * count : blocks.Loss[i];   // Network.TrainBatch's mean, scaled back
            float rate = rates[i];
            blocks.Scale[i] = batchRows ? -rate / count : -rate;
            if (batchRows) blocks.Keep[i] = blocks.Scale[i] != 0f ? 1f : 0f;   // only the batch's update (Gemm's alpha) reads it
            if (float.IsFinite(sum))
            {
                results[i] = StepResult.Finite(sum);
                continue;
            }
            results[i] = StepResult.Diverged(sum, NonFiniteValue.Loss, FirstNonFiniteOutput(blocks, i, counts[i]));
            frozen[i] = anyFrozen = true;   // its own step makes no update after a non-finite loss
        }
        if (anyFrozen) SaveFrozen();
        engine.BackwardAndUpdate(parameters.Span, blocks, used, batchRows, masked);
        if (anyFrozen) RestoreFrozen();
        if (!engine.Finiteness(parameters.Span, blocks)) ReportNonFiniteWeights(blocks, results);   // the common case reads no lane
    }

    // The lanes (not frozen) with a parameter not finite after the update, as BatchStep reports them.
    private void ReportNonFiniteWeights(LaneBlocks blocks, Span<StepResult> results)
    {
        for (int i = 0; i < Lanes; i++)
        {
            if (frozen[i] || float.IsFinite(blocks.Finite[i])) continue;
            results[i] = StepResult.Diverged(results[i].LossSum, NonFiniteValue.Weight, FirstNonFiniteLayer(i));
        }
    }

    // A loss other than the half squared error, as its own step computes it: per lane, row by row, Loss.Pattern on the
    // row's net sums, outputs and targets, its signal written back into the lane; E of a pattern, or Σ_p E_p from 0 in
    // row order (OutputLoss.Rows).
    private void PatternLosses(LaneBlocks blocks, ReadOnlySpan<int> counts, bool batchRows)
    {
        Span<float> b = blocks.Buffer.Span;
        int last = definition.LayerCount - 1, width = definition.OutputWidth;
        int netAt = blocks.NetOffsets[last], yAt = blocks.OutputOffsets[last], signalAt = blocks.GradientOffsets[last], targetAt = blocks.TargetOffset;
        Loss loss = definition.Loss;
        TransferFunction output = definition.OutputLayer.Transfer;
        for (int i = 0; i < Lanes; i++)
        {
            if (frozen[i]) continue;
            float sum = 0f;
            for (int p = 0; p < counts[i]; p++)
            {
                int at = (p * width * Width) + i;
                for (int k = 0; k < width; k++)
                {
                    int e = at + (k * Width);
                    (rowNet[k], rowOutput[k], rowTarget[k]) = (b[netAt + e], b[yAt + e], b[targetAt + e]);
                }
                float error = loss.Pattern(output, rowNet, rowOutput, rowTarget, rowSignal);
                for (int k = 0; k < width; k++) b[signalAt + at + (k * Width)] = rowSignal[k];
                rowErrors[(i * BatchSize) + p] = error;
                sum = batchRows ? sum + error : error;
            }
            blocks.Loss[i] = sum;
        }
    }

    // A weighted batch's mean (RowWeighting.Weigh, per lane): each row's signal scaled by w_p B / W, the loss B times
    // the weighted mean; left as it is when every weight is the same positive number.
    private void WeighRows(LaneBlocks blocks, ReadOnlySpan<int> rows, ReadOnlySpan<int> counts)
    {
        Span<float> b = blocks.Buffer.Span;
        int width = definition.OutputWidth, signalAt = blocks.GradientOffsets[definition.LayerCount - 1];
        for (int i = 0; i < Lanes; i++)
        {
            if (frozen[i] || !data[i].HasWeights) continue;
            int count = counts[i];
            ReadOnlySpan<float> all = data[i].Weights;
            for (int p = 0; p < count; p++) rowWeights[p] = all[rows[(i * BatchSize) + p]];
            Span<float> weights = rowWeights.AsSpan(0, count);
            if (SampleWeighting.AllEqual(weights) && weights[0] > 0) continue;
            Span<float> signal = rowSignals.AsSpan(0, count * width), errors = rowErrors.AsSpan(i * BatchSize, count);
            for (int e = 0; e < signal.Length; e++) signal[e] = b[signalAt + (e * Width) + i];
            if (halfSquaredError) SampleWeighting.HalfSquaredRowErrors(signal, width, errors);
            blocks.Loss[i] = SampleWeighting.Apply(signal, width, errors, weights, normalize: true, out _);
            for (int e = 0; e < signal.Length; e++) b[signalAt + (e * Width) + i] = signal[e];
        }
    }

    // Each stepping lane's rows of its own data set into the blocks' inputs and targets, and (batches) the row masks.
    // Nothing else is written: a frozen lane's values, and an active lane's rows past its count, are never read into
    // a result (frozen lanes are restored; rows past a count are masked out of every sum over rows).
    private void Gather(LaneBlocks blocks, ReadOnlySpan<int> rows, ReadOnlySpan<int> counts, int used, bool batchRows)
    {
        ref float b = ref MemoryMarshal.GetReference(blocks.Buffer.Span);
        ref float xBlock = ref Unsafe.Add(ref b, blocks.InputOffset);
        ref float dBlock = ref Unsafe.Add(ref b, blocks.TargetOffset);
        ref float mask = ref Unsafe.Add(ref b, blocks.MaskOffset);
        int inputs = definition.InputWidth, targets = definition.OutputWidth;
        for (int i = 0; i < Lanes; i++)
        {
            if (frozen[i]) continue;
            Dataset set = data[i];
            ref float x = ref MemoryMarshal.GetReference(set.Inputs);
            ref float d = ref MemoryMarshal.GetReference(set.Targets);
            int count = counts[i];
            for (int p = 0; p < count; p++)
            {
                int row = rows[(i * BatchSize) + p];
                if ((uint)row >= (uint)set.Count) ThrowRow(i, p, row, set.Count);
                ref float xRow = ref Unsafe.Add(ref x, row * inputs);
                ref float dRow = ref Unsafe.Add(ref d, row * targets);
                CopyToLane(ref xRow, ref Unsafe.Add(ref xBlock, (p * inputs * Width) + i), inputs);
                CopyToLane(ref dRow, ref Unsafe.Add(ref dBlock, (p * targets * Width) + i), targets);
            }
            if (!batchRows) continue;
            for (int p = 0; p < used; p++) Unsafe.Add(ref mask, (p * Width) + i) = p < count ? 1f : 0f;
        }
    }

    // n floats of a row into one lane, 16 floats apart. The gather is the step's main scalar work (a third of a W1 step
    // at V512): the refs advance instead of recomputing each element's index from j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyToLane(ref float from, ref float to, int n)
    {
        for (int j = 0; j < n; j++)
        {
            to = from;
            from = ref Unsafe.Add(ref from, 1);
            to = ref Unsafe.Add(ref to, Width);
        }
    }

    [DoesNotReturn]
    private static void ThrowRow(int lane, int position, int row, int count) =>
        throw new ArgumentOutOfRangeException("rows", row, $"rows of lane {lane}, position {position}, is {row}; expected 0 to {count - 1} (its data set's rows).");

    private void SaveFrozen()
    {
        ReadOnlySpan<float> all = parameters.Span;
        for (int i = 0; i < Lanes; i++)
        {
            if (!frozen[i]) continue;
            int at = i * parameterCount;
            for (int p = 0; p < parameterCount; p++) saved[at + p] = all[(p * Width) + i];
        }
    }

    private void RestoreFrozen()
    {
        Span<float> all = parameters.Span;
        for (int i = 0; i < Lanes; i++)
        {
            if (!frozen[i]) continue;
            int at = i * parameterCount;
            for (int p = 0; p < parameterCount; p++) all[(p * Width) + i] = saved[at + p];
        }
    }

    // As BatchStep's: the first layer below the output whose outputs (count rows) are not all finite, else the output layer.
    private int FirstNonFiniteOutput(LaneBlocks blocks, int lane, int count)
    {
        int last = definition.LayerCount - 1;
        for (int l = 0; l < last; l++)
        {
            int units = blocks.Widths[l + 1];
            for (int p = 0; p < count; p++)
            {
                for (int k = 0; k < units; k++)
                {
                    if (!float.IsFinite(blocks.Output(l, p, k, lane))) return l;
                }
            }
        }
        return last;
    }

    // As BatchStep's: the first layer whose parameters in this lane are not all finite.
    private int FirstNonFiniteLayer(int lane)
    {
        ReadOnlySpan<float> all = parameters.Span;
        for (int l = 0; l < definition.LayerCount; l++)
        {
            LayerLayout layout = definition.GetLayout(l);
            for (int p = layout.WeightOffset; p < layout.End; p++)
            {
                if (!float.IsFinite(all[(p * Width) + lane])) return l;
            }
        }
        return -1;
    }

    private void CheckLane(int lane)
    {
        if ((uint)lane >= (uint)Lanes) throw new ArgumentOutOfRangeException(nameof(lane), lane, $"lane is {lane}; expected 0 to {Lanes - 1}.");
    }
}
