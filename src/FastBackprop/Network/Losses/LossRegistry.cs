namespace FastBackprop;

/// <summary>The user-defined losses registered by name (<see cref="Loss.Register"/>), so that model files and checkpoints
/// that name them load. Names compare case-insensitively, as built-in names do. Thread-safe: one lock around a
/// dictionary, taken only to register and to look a name up (never per step).</summary>
internal static class LossRegistry
{
    /// <summary>The longest name a model file stores.</summary>
    internal const int MaxNameLength = 64;

    private static readonly Dictionary<string, Loss> Losses = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Gate = new();

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Loss? loss)
    {
        lock (Gate) return Losses.TryGetValue(name, out loss);
    }

    public static void Add(ElementwiseLoss loss)
    {
        string name = loss.Name;
        if (name is null || name.Length is < 1 or > MaxNameLength || name.Trim() != name || !IsPrintableAscii(name))
        {
            throw new ArgumentException($"loss's name is '{name}'; expected 1 to {MaxNameLength} printable ASCII characters without leading or trailing spaces.", nameof(loss));
        }
        if (Loss.ParseBuiltIn(name, out string? problem) is not null || problem is not null)
        {
            throw new ArgumentException($"loss's name is '{name}', which is a built-in loss's name; choose another.", nameof(loss));
        }
        loss.EnsureDerivativeChecked(nameof(loss));
        lock (Gate)
        {
            if (Losses.TryGetValue(name, out Loss? existing))
            {
                if (ReferenceEquals(existing, loss) || existing.Equals(loss)) return;
                throw new ArgumentException($"the name '{name}' is already registered for another loss ({existing.GetType().FullName}); a name stands for one loss.", nameof(loss));
            }
            Losses.Add(name, loss);
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
