namespace FastBackprop;

/// <summary>User-defined objects registered by name, so that model files and checkpoints that name them load: the
/// registries of transfer functions and losses. Names compare case-insensitively, as built-in names do. Thread-safe:
/// one lock around a dictionary, taken only to register and to look a name up (never per step).</summary>
/// <typeparam name="T">What is registered.</typeparam>
internal sealed class NameRegistry<T>
    where T : class
{
    /// <summary>The longest name a model file stores.</summary>
    internal const int MaxNameLength = 64;

    private readonly Dictionary<string, T> items = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock gate = new();

    /// <summary>Throws unless <paramref name="name"/> is 1 to <see cref="MaxNameLength"/> printable ASCII characters
    /// without leading or trailing spaces (what a model file can store and read back).</summary>
    public static void CheckName(string? name, string paramName)
    {
        if (name is null || name.Length is < 1 or > MaxNameLength || name.Trim() != name || !IsPrintableAscii(name))
        {
            throw new ArgumentException($"{paramName}'s name is '{name}'; expected 1 to {MaxNameLength} printable ASCII characters without leading or trailing spaces.", paramName);
        }
    }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? item)
    {
        lock (gate) return items.TryGetValue(name, out item);
    }

    /// <summary>Registers <paramref name="item"/> under <paramref name="name"/> (checked by the caller); registering it
    /// or an equal one again does nothing, a different one under a taken name throws, calling it a <paramref name="noun"/>.</summary>
    public void Add(string name, T item, string noun, string paramName)
    {
        lock (gate)
        {
            if (items.TryGetValue(name, out T? existing))
            {
                if (ReferenceEquals(existing, item) || existing.Equals(item)) return;
                throw new ArgumentException($"the name '{name}' is already registered for another {noun} ({existing.GetType().FullName}); a name stands for one {noun}.", paramName);
            }
            items.Add(name, item);
        }
    }

    private static bool IsPrintableAscii(string s)
    {
        foreach (char c in s)
        {
            if (c is < ' ' or > '~') return false;
        }
        return true;
    }
}
