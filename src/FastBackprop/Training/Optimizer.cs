namespace FastBackprop.Training;

// ---------------------------------------------------------------------------------------------
// Optimizer: orchestration only. Each subclass owns its per-parameter state buffers (sized once
// to the parameter count) and its hyper-parameters, and calls one flat kernel from
// FastBackprop.Kernels over the whole parameter buffer per step. Nothing here loops over
// parameters except Reset and the state export/import.
// ---------------------------------------------------------------------------------------------

/// <summary>A gradient-based update rule for the flat parameter buffer of a network (see
/// <c>Network.Parameters</c>), with its per-parameter state (moments, velocities, step sizes).</summary>
/// <remarks>
/// <para>Use: after computing the batch-mean gradient dE/dw in the layout of the parameters, call
/// <see cref="Step"/>. To clip, call <see cref="Kernels.GradientClipping.ClipByNorm"/> on the gradient first.</para>
/// <para>Checkpointing: the whole state is <see cref="StepCount"/> plus <see cref="StateLength"/> floats, written
/// by <see cref="SaveState"/> and restored by <see cref="LoadState"/>; a restored optimizer continues bit for
/// bit as the original would have. The floats are the state buffers one after the other, each
/// <see cref="ParameterCount"/> long, in the order each subclass documents.</para>
/// <para>Not thread-safe. <see cref="Step"/> allocates nothing.</para>
/// </remarks>
public abstract class Optimizer
{
    private readonly float[][] state;

    /// <summary>Creates an optimizer for <paramref name="parameterCount"/> parameters with
    /// <paramref name="stateBufferCount"/> state buffers, all zero.</summary>
    private protected Optimizer(int parameterCount, int stateBufferCount)
    {
        ParameterCount = HyperParameter.AtLeast(parameterCount, 1, nameof(parameterCount));
        state = new float[stateBufferCount][];
        for (int b = 0; b < stateBufferCount; b++) state[b] = new float[parameterCount];
    }

    /// <summary>The number of parameters this optimizer updates: the length of every span passed to <see cref="Step"/>.</summary>
    public int ParameterCount { get; }

    /// <summary>Steps taken since construction or the last <see cref="Reset"/> (or as loaded by <see cref="LoadState"/>).
    /// The bias correction of Adam and AdamW uses it.</summary>
    public long StepCount { get; private set; }

    /// <summary>The number of per-parameter state buffers (0 for plain SGD, 1 for momentum and RMSProp, 2 for Adam and Rprop).</summary>
    public int StateBufferCount => state.Length;

    /// <summary>The number of floats <see cref="SaveState"/> writes: <see cref="StateBufferCount"/> x <see cref="ParameterCount"/>.</summary>
    public int StateLength => state.Length * ParameterCount;

    /// <summary>Updates <paramref name="parameters"/> in place by one step of this rule and increments <see cref="StepCount"/>.</summary>
    /// <param name="parameters">The flat parameter buffer; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradient">The batch-mean gradient dE/dw in the same layout; length <see cref="ParameterCount"/>.</param>
    /// <param name="learningRate">eta for this step (from a <see cref="LearningRateSchedule"/>, say); finite and &gt;= 0.
    /// <see cref="Rprop"/> validates but ignores it: its step sizes adapt themselves.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is NaN, infinite or negative.</exception>
    /// <remarks>Nothing is changed when an exception is thrown. NaN or infinite gradients are not checked
    /// (that would cost a pass); they propagate element-wise into the parameters and state (Rprop: see
    /// <see cref="Kernels.RpropUpdate"/>).</remarks>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        ThrowHelper.CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        ThrowHelper.CheckLength(gradient.Length, ParameterCount, nameof(gradient));
        HyperParameter.NonNegative(learningRate, nameof(learningRate));
        StepCount++;
        Apply(parameters, gradient, learningRate, StepCount);
    }

    /// <summary>Returns the state to that of a new optimizer: <see cref="StepCount"/> 0 and the buffers at their
    /// initial values (zero, or Rprop's initial step size).</summary>
    public void Reset()
    {
        StepCount = 0;
        foreach (float[] buffer in state) Array.Clear(buffer);
        InitializeState();
    }

    /// <summary>Copies the state buffers, one after the other, into <paramref name="destination"/>.</summary>
    /// <param name="destination">Length <see cref="StateLength"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another length.</exception>
    public void SaveState(Span<float> destination)
    {
        ThrowHelper.CheckLength(destination.Length, StateLength, nameof(destination));
        for (int b = 0; b < state.Length; b++) state[b].CopyTo(destination.Slice(b * ParameterCount, ParameterCount));
    }

    /// <summary>Restores state saved by <see cref="SaveState"/> from an optimizer of the same kind and size, together
    /// with its <see cref="StepCount"/>. Hyper-parameters are not part of the state: construct the optimizer with the
    /// same ones.</summary>
    /// <param name="source">Length <see cref="StateLength"/>.</param>
    /// <param name="stepCount">The saved <see cref="StepCount"/>; &gt;= 0.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> has another length, or holds a value no
    /// optimizer of this kind can reach (not finite, a negative second moment, an Rprop step size out of
    /// its bounds); the state is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> is negative.</exception>
    public void LoadState(ReadOnlySpan<float> source, long stepCount)
    {
        ThrowHelper.CheckLength(source.Length, StateLength, nameof(source));
        if (stepCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stepCount), stepCount, $"{nameof(stepCount)} is {stepCount}; expected at least 0.");
        }
        for (int b = 0; b < state.Length; b++)
        {
            ReadOnlySpan<float> buffer = source.Slice(b * ParameterCount, ParameterCount);
            for (int i = 0; i < buffer.Length; i++)
            {
                if (!IsValidState(b, buffer[i]))
                {
                    throw new ArgumentException(
                        $"{nameof(source)}[{b * ParameterCount + i}] (state buffer {b}, parameter {i}) is {buffer[i]}; not a reachable {GetType().Name} state.",
                        nameof(source));
                }
            }
        }
        for (int b = 0; b < state.Length; b++) source.Slice(b * ParameterCount, ParameterCount).CopyTo(state[b]);
        StepCount = stepCount;
    }

    /// <summary>State buffer <paramref name="index"/>, <see cref="ParameterCount"/> long.</summary>
    private protected Span<float> StateBuffer(int index) => state[index];

    /// <summary>Applies the update rule; lengths and the learning rate are already validated and
    /// <paramref name="step"/> is the 1-based number of this step.</summary>
    private protected abstract void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate, long step);

    /// <summary>Sets the buffers' initial values after they have been zeroed (construction and <see cref="Reset"/>).</summary>
    private protected virtual void InitializeState()
    {
    }

    /// <summary>Whether <paramref name="value"/> can occur in state buffer <paramref name="buffer"/>; finite by default.</summary>
    private protected virtual bool IsValidState(int buffer, float value) => float.IsFinite(value);
}
