namespace FastBackprop;

// ---------------------------------------------------------------------------------------------
// Per-thread scratch of the inference calls that take no workspace (Predictor, Model.Predict, and
// Network.Predict when the network's own workspace is busy). Why per thread, and why this shape:
// - [ThreadStatic] rather than a pool per predictor: taking a buffer is a thread-local read and
//   a store, no interlocked operation, and never misses however many threads call (a pool of
//   fixed size misses whenever more callers than slots are inside a call at once).
// - Keyed by the NetworkDefinition object, not by the predictor: a workspace depends only on the
//   shape, so predictors and networks sharing a definition share the thread's scratch, and the
//   cache holds no parameters alive (only definitions, which are small and immutable).
// - A few slots per thread, replaced in turn: a thread alternating between up to Slots shapes
//   allocates nothing; one using more allocates a scratch per miss, garbage-collected as usual.
//   What stays alive is bounded: Slots scratches per thread that ever ran inference, each
//   3 x (units of the network) + InputWidth floats, freed when the thread ends.
// - Taken out of its slot while in use: a reentrant call on the same thread (a user transfer
//   function that predicts) finds no scratch and makes its own, so no two calls share one.
//   No ThreadLocal<T>: it would need Dispose to free the values of threads that ended.
// ---------------------------------------------------------------------------------------------

/// <summary>The buffers one inference call needs: a workspace and a row for the scaled input.</summary>
internal sealed class InferenceScratch
{
    private const int Slots = 4;

    [ThreadStatic]
    private static InferenceScratch?[]? cache;

    [ThreadStatic]
    private static int nextVictim;

    private InferenceScratch(NetworkDefinition definition)
    {
        Workspace = new Workspace(definition);
        ScaledInput = new float[definition.InputWidth];
    }

    /// <summary>Buffers for the forward pass.</summary>
    public Workspace Workspace { get; }

    /// <summary>InputWidth floats: the raw input row after the model's input scaling.</summary>
    public float[] ScaledInput { get; }

    private NetworkDefinition Definition => Workspace.Definition;

    /// <summary>This thread's scratch for <paramref name="definition"/>, taken out of the cache until
    /// <see cref="Return"/>, or a new one.</summary>
    public static InferenceScratch Rent(NetworkDefinition definition)
    {
        InferenceScratch?[]? slots = cache;
        if (slots is not null)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                InferenceScratch? scratch = slots[i];
                if (scratch is not null && ReferenceEquals(scratch.Definition, definition))
                {
                    slots[i] = null;
                    return scratch;
                }
            }
        }
        return new InferenceScratch(definition);
    }

    /// <summary>Puts <paramref name="scratch"/> back in this thread's cache: into a free slot, else in place of
    /// the slots in turn.</summary>
    public static void Return(InferenceScratch scratch)
    {
        InferenceScratch?[] slots = cache ??= new InferenceScratch?[Slots];
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i] is null)
            {
                slots[i] = scratch;
                return;
            }
        }
        slots[nextVictim] = scratch;
        nextVictim = (nextVictim + 1) % Slots;
    }
}
