using System.Buffers.Binary;
using FastBackprop.IO;

namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Optimizer: orchestration only. Each subclass owns its state and its hyper-parameters, and calls
// flat kernels from FastBackprop.Kernels over the whole parameter buffer per step.
//
// The step contract has two doors, one per kind of rule:
//   Step(w, g, eta)                      a rule that needs the gradient alone (SGD ... RAdam): one
//                                        flat kernel, nothing else (the trainer's GradientStep)
//   Step(w, g, eta, E, objective)        every rule; line-search and second-order rules evaluate
//                                        the objective at trial points (L-BFGS, SCG, LM), iRPROP+
//                                        reads E. Requires says which door a rule needs.
//
// The state is described once per rule, in Exchange, through StateSerializer, which both writes
// and reads it: the step count, the k per-parameter buffers (one counted block of k x P floats:
// byte for byte what checkpoint format 2 stored), then whatever else the rule keeps
// (ExchangeHistory: L-BFGS's curvature pairs' scalars, SCG's scale, LM's mu, ...). Checkpoints,
// the divergence guard's snapshots and SaveState/LoadState all go through it, so adding a piece of
// state is one line in one method.
// ---------------------------------------------------------------------------------------------

/// <summary>An update rule for the flat parameter buffer of a network (see <c>Network.Parameters</c>), with its state
/// (moments, step sizes, curvature history, damping).</summary>
/// <remarks>
/// <para>Use: after computing the batch-mean gradient dE/dw in the layout of the parameters, call
/// <see cref="Step(Span{float}, ReadOnlySpan{float}, float)"/> for a rule whose <see cref="Requires"/> is
/// <see cref="OptimizerInputs.Gradient"/>, else
/// <see cref="Step(Span{float}, ReadOnlySpan{float}, float, double, IObjective?)"/> with the loss and an objective.
/// To clip, call <see cref="Kernels.GradientClipping.ClipByNorm"/> on the gradient first (gradient rules only).</para>
/// <para>Checkpointing: <see cref="SaveState"/> gives the whole state (the step count, the per-parameter buffers and the
/// rule's history) and <see cref="LoadState"/> restores it; a restored optimizer continues bit for bit as the
/// original would have. Hyper-parameters are not part of the state: construct the optimizer with the same ones.</para>
/// <para>Not thread-safe. A step allocates nothing once the rule's buffers exist (the second-order rules size their
/// work buffers at their first step).</para>
/// </remarks>
public abstract class Optimizer
{
    private readonly Kernels.AlignedBuffer[] buffers;  // 64-byte aligned, like the parameters they run beside
    private long stepCount;

    /// <summary>Creates an optimizer for <paramref name="parameterCount"/> parameters with
    /// <paramref name="bufferCount"/> per-parameter state buffers, all zero.</summary>
    private protected Optimizer(int parameterCount, int bufferCount)
    {
        ParameterCount = HyperParameter.AtLeast(parameterCount, 1, nameof(parameterCount));
        buffers = new Kernels.AlignedBuffer[bufferCount];
        for (int b = 0; b < bufferCount; b++) buffers[b] = new Kernels.AlignedBuffer(parameterCount);
    }

    /// <summary>The number of parameters this optimizer updates: the length of every span passed to a step.</summary>
    public int ParameterCount { get; }

    /// <summary>Steps taken since construction or the last <see cref="Reset"/> (or as loaded by <see cref="LoadState"/>).
    /// The bias corrections of the Adam family use it.</summary>
    public long StepCount => stepCount;

    /// <summary>What a step needs besides the gradient; see <see cref="OptimizerInputs"/>.</summary>
    public virtual OptimizerInputs Requires => OptimizerInputs.Gradient;

    /// <summary>The number of per-parameter state buffers (0 for plain SGD, 1 for momentum and RMSProp, 2 for Adam and
    /// Rprop, 2m + 2 for L-BFGS with history m).</summary>
    internal int BufferCount => buffers.Length;

    /// <summary>Updates <paramref name="parameters"/> in place by one step of a rule that needs only the gradient, and
    /// increments <see cref="StepCount"/>.</summary>
    /// <param name="parameters">The flat parameter buffer; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradient">The batch-mean gradient dE/dw in the same layout; length <see cref="ParameterCount"/>.</param>
    /// <param name="learningRate">eta for this step (from a <see cref="LearningRateSchedule"/>, say); finite and &gt;= 0.
    /// The Rprop family validates but ignores it: their step sizes adapt themselves.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is NaN, infinite or negative.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Requires"/> is not <see cref="OptimizerInputs.Gradient"/>:
    /// the rule needs the loss or an objective (use the other overload).</exception>
    /// <remarks>Nothing is changed when an exception is thrown. NaN or infinite gradients are not checked
    /// (that would cost a pass); they propagate element-wise into the parameters and state (Rprop: see
    /// <see cref="Kernels.RpropUpdate"/>).</remarks>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (Requires != OptimizerInputs.Gradient)
        {
            throw new InvalidOperationException(
                $"{GetType().Name} needs {(Requires == OptimizerInputs.GradientAndLoss ? "the loss" : "the loss and an objective to evaluate trial points")}: " +
                "call Step(parameters, gradient, learningRate, loss, objective).");
        }
        CheckStep(parameters, gradient, learningRate);
        stepCount++;
        Apply(parameters, gradient, learningRate, stepCount);
    }

    /// <summary>Whether the rule's gradient step can check the gradient and the new parameters for finiteness in its own
    /// pass (<see cref="StepChecked"/>).</summary>
    internal virtual bool ChecksFiniteness => false;

    /// <summary>The trainer's step of a rule with <see cref="ChecksFiniteness"/>: <see cref="Step(Span{float}, ReadOnlySpan{float}, float)"/>
    /// to the bit (same checks and step count), returning whether every gradient element and every new parameter is
    /// finite. The parameters and state are updated even when they are not (the trainer's divergence guard puts back
    /// both).</summary>
    internal bool StepChecked(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (!ChecksFiniteness || Requires != OptimizerInputs.Gradient) throw new InvalidOperationException($"{GetType().Name} does not check finiteness in its step.");
        CheckStep(parameters, gradient, learningRate);
        stepCount++;
        return ApplyChecked(parameters, gradient, learningRate, stepCount);
    }

    /// <summary>The gradient step of a rule with <see cref="ChecksFiniteness"/>: <see cref="Apply(Span{float}, ReadOnlySpan{float}, float, long)"/>
    /// to the bit, returning whether every gradient element and every new parameter is finite.</summary>
    private protected virtual bool ApplyChecked(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        throw new InvalidOperationException($"{GetType().Name} does not check finiteness in its step.");

    /// <summary>Updates <paramref name="parameters"/> in place by one step of any rule, and increments
    /// <see cref="StepCount"/>. A rule that needs only the gradient ignores <paramref name="loss"/> and
    /// <paramref name="objective"/>.</summary>
    /// <param name="parameters">The flat parameter buffer; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradient">∇E at <paramref name="parameters"/>; length <see cref="ParameterCount"/>.</param>
    /// <param name="learningRate">eta (L-BFGS: the scale of the first trial step); finite and &gt;= 0.</param>
    /// <param name="loss">E at <paramref name="parameters"/>, the value <paramref name="objective"/> gives there; finite.</param>
    /// <param name="objective">The function whose gradient <paramref name="gradient"/> is; required (and an
    /// <see cref="IGaussNewtonObjective"/>) as <see cref="Requires"/> says. Evaluated at trial points, never at
    /// <paramref name="parameters"/> again.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>, or the objective's is not,
    /// or the rule needs an <see cref="IGaussNewtonObjective"/> and got another.</exception>
    /// <exception cref="ArgumentNullException">The rule needs an objective and <paramref name="objective"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> or <paramref name="loss"/> is out of range.</exception>
    /// <remarks>Nothing is changed when an argument is rejected. An exception thrown by the objective itself leaves the
    /// parameters and state as they were at that point of the step.</remarks>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, double loss, IObjective? objective)
    {
        CheckStep(parameters, gradient, learningRate);
        if (!double.IsFinite(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, $"loss is {loss}; expected a finite number.");
        if (Requires >= OptimizerInputs.Objective)
        {
            ArgumentNullException.ThrowIfNull(objective);
            ThrowHelper.CheckLength(objective.ParameterCount, ParameterCount, "objective.ParameterCount");
            if (Requires == OptimizerInputs.GaussNewtonObjective && objective is not IGaussNewtonObjective)
            {
                throw new ArgumentException($"{GetType().Name} needs an IGaussNewtonObjective; {objective.GetType().Name} is not one.", nameof(objective));
            }
        }
        stepCount++;
        Apply(parameters, gradient, learningRate, stepCount, loss, objective);
    }

    /// <summary>Returns the state to that of a new optimizer: <see cref="StepCount"/> 0, the buffers at their initial
    /// values (zero, or the Rprop family's initial step size) and no history.</summary>
    public void Reset()
    {
        stepCount = 0;
        foreach (Kernels.AlignedBuffer buffer in buffers) buffer.Span.Clear();
        InitializeState();
    }

    /// <summary>The whole state: the step count, the per-parameter buffers and the rule's history, in the optimizer's
    /// own binary layout (that of its checkpoints).</summary>
    public byte[] SaveState()
    {
        var writer = new FieldWriter();
        WriteState(writer);
        return writer.Stream.ToArray();
    }

    /// <summary>Restores state saved by <see cref="SaveState"/> from an optimizer of the same kind, size and
    /// hyper-parameters that shape the state (L-BFGS's history length).</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not such a state (truncated, another size, or a
    /// value no optimizer of this kind can reach: not finite, a negative second moment, an Rprop step size out of its
    /// bounds); the state is then unchanged.</exception>
    public void LoadState(ReadOnlySpan<byte> state)
    {
        try
        {
            ReadState(state, "state");
        }
        catch (Data.DataFormatException e)
        {
            throw new ArgumentException($"state is not the state of a {GetType().Name} of {ParameterCount} parameters: {e.Message}", nameof(state), e);
        }
    }

    /// <summary>The state through <paramref name="writer"/> (checkpoints and the divergence guard's snapshots).</summary>
    internal void WriteState(FieldWriter writer)
    {
        StateSerializer s = StateSerializer.Writing(writer);
        Exchange(ref s);
    }

    /// <summary>The bytes <see cref="WriteState"/> writes for the step count and the per-parameter buffers (a rule's
    /// history comes on top): the capacity of a writer that takes snapshots.</summary>
    internal int StateBytesHint => (int)Math.Min(12 + 4L * BufferLength, Array.MaxLength);

    /// <summary>Reads a state written by <see cref="WriteState"/>; on any problem the state is left as it was and a
    /// <see cref="Data.DataFormatException"/> names <paramref name="source"/> and the problem.</summary>
    internal void ReadState(ReadOnlySpan<byte> bytes, string source)
    {
        var backup = new FieldWriter();
        WriteState(backup);
        try
        {
            StateSerializer s = StateSerializer.Reading(new FieldReader(bytes, source));
            Exchange(ref s);
            if (s.Remaining != 0) throw s.Error($"{s.Remaining} bytes after the {GetType().Name} state.");
            string? problem = InvalidState();
            if (problem is not null) throw Data.DataFormatException.InSource(source, $"not a reachable {GetType().Name} state: {problem}");
        }
        catch (Data.DataFormatException)
        {
            StateSerializer restore = StateSerializer.Reading(new FieldReader(backup.Stream.GetBuffer().AsSpan(0, backup.Length), "backup"));
            Exchange(ref restore);
            throw;
        }
    }

    // The one list of the state, in order: Save writes it, Load reads it.
    private void Exchange(ref StateSerializer s)
    {
        s.Int64(ref stepCount, "the step count", minimum: 0);
        s.Buffers(buffers, "the per-parameter state");
        ExchangeHistory(ref s);
    }

    /// <summary>The rule's state beyond the step count and the per-parameter buffers, one serializer call per piece.</summary>
    private protected virtual void ExchangeHistory(ref StateSerializer s)
    {
    }

    /// <summary>What is wrong with a state just read (null when it is one this rule can reach). By default every buffer
    /// element is checked with <see cref="IsValidState"/>.</summary>
    private protected virtual string? InvalidState()
    {
        for (int b = 0; b < buffers.Length; b++)
        {
            Span<float> buffer = buffers[b];
            for (int i = 0; i < buffer.Length; i++)
            {
                if (!IsValidState(b, buffer[i])) return $"state buffer {b}, parameter {i} is {buffer[i]}.";
            }
        }
        return null;
    }

    /// <summary>State buffer <paramref name="index"/>, <see cref="ParameterCount"/> long.</summary>
    private protected Span<float> StateBuffer(int index) => buffers[index];

    /// <summary>Applies a gradient rule; lengths and the learning rate are already validated and
    /// <paramref name="step"/> is the 1-based number of this step.</summary>
    private protected virtual void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step) =>
        throw new InvalidOperationException($"{GetType().Name} has no gradient-only step.");

    /// <summary>Applies the rule with the loss and the objective (validated as <see cref="Requires"/> says); by default
    /// the gradient-only step.</summary>
    private protected virtual void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step, double loss, IObjective? objective) =>
        Apply(parameters, gradient, learningRate, step);

    /// <summary>Sets the buffers' initial values after they have been zeroed (construction and <see cref="Reset"/>),
    /// and clears the rule's history.</summary>
    private protected virtual void InitializeState()
    {
    }

    /// <summary>Whether <paramref name="value"/> can occur in state buffer <paramref name="buffer"/>; finite by default.</summary>
    private protected virtual bool IsValidState(int buffer, float value) => float.IsFinite(value);

    private void CheckStep(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        ThrowHelper.CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        ThrowHelper.CheckLength(gradient.Length, ParameterCount, nameof(gradient));
        HyperParameter.NonNegative(learningRate, nameof(learningRate));
    }

    // ---- the per-parameter buffers as one float block (tests, and the state's first part) ---------------------

    /// <summary>The number of floats of the per-parameter buffers: <see cref="BufferCount"/> x <see cref="ParameterCount"/>.</summary>
    internal int BufferLength => buffers.Length * ParameterCount;

    /// <summary>Copies the per-parameter buffers, one after the other, into <paramref name="destination"/> (length <see cref="BufferLength"/>).</summary>
    internal void SaveBuffers(Span<float> destination)
    {
        ThrowHelper.CheckLength(destination.Length, BufferLength, nameof(destination));
        for (int b = 0; b < buffers.Length; b++) buffers[b].Span.CopyTo(destination.Slice(b * ParameterCount, ParameterCount));
    }

    /// <summary>Sets the per-parameter buffers and the step count, the rest of the state as it is (the layout of
    /// <see cref="SaveBuffers"/>), through <see cref="ReadState"/>'s checks.</summary>
    internal void LoadBuffers(ReadOnlySpan<float> source, long steps)
    {
        ThrowHelper.CheckLength(source.Length, BufferLength, nameof(source));
        var writer = new FieldWriter();
        StateSerializer s = StateSerializer.Writing(writer);
        Exchange(ref s);   // the history as it is
        byte[] state = writer.Stream.ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(0, 8), steps);   // the layout of Exchange: int64, int32 count, floats
        for (int i = 0; i < source.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(state.AsSpan(12 + 4 * i, 4), source[i]);
        LoadState(state);
    }
}
