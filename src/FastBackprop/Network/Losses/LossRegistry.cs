namespace FastBackprop;

/// <summary>The user-defined losses registered by name (<see cref="Loss.Register"/>), so that model files and checkpoints
/// that name them load (a <see cref="NameRegistry{T}"/>).</summary>
internal static class LossRegistry
{
    /// <summary>The longest name a model file stores.</summary>
    internal const int MaxNameLength = NameRegistry<Loss>.MaxNameLength;

    private static readonly NameRegistry<Loss> Losses = new();

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Loss? loss) => Losses.TryGet(name, out loss);

    public static void Add(ElementwiseLoss loss)
    {
        string name = loss.Name;
        NameRegistry<Loss>.CheckName(name, nameof(loss));
        if (Loss.ParseBuiltIn(name, out string? problem) is not null || problem is not null)
        {
            throw new ArgumentException($"loss's name is '{name}', which is a built-in loss's name; choose another.", nameof(loss));
        }
        loss.EnsureDerivativeChecked(nameof(loss));
        Losses.Add(name, loss, "loss", nameof(loss));
    }
}
