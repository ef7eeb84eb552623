namespace FastBackprop.IO;

/// <summary>The loss field of a model file: one code byte, 0 = half squared error and 1 = cross-entropy (as every file
/// before named losses wrote them, so those files load and such models are saved byte for byte as before), or 2 = a
/// loss by name, followed by its <see cref="Loss.Name"/> (uint8 length 1..64, ASCII, e.g. "huber(1.5)", "ce(0.1)",
/// "poisson", or a name given to <see cref="Loss.Register"/>), which carries the loss's parameters.</summary>
internal static class LossFormat
{
    private const byte HalfSquaredErrorCode = 0, CrossEntropyCode = 1, NamedCode = 2;

    /// <summary>Writes <paramref name="loss"/>'s field.</summary>
    /// <exception cref="ArgumentException">A user-defined loss that is not registered under its name (named <paramref name="paramName"/>).</exception>
    public static void Write(FieldWriter writer, Loss loss, string paramName)
    {
        if (ReferenceEquals(loss, Loss.HalfSquaredError))
        {
            writer.Byte(HalfSquaredErrorCode);
            return;
        }
        if (ReferenceEquals(loss, Loss.CrossEntropy))
        {
            writer.Byte(CrossEntropyCode);
            return;
        }
        if (!IsStorable(loss))
        {
            throw new ArgumentException($"model uses the loss '{loss.Name}', which is not registered; register it with Loss.Register to store it " +
                "(built-in losses and registered ones can be stored).", paramName);
        }
        writer.Byte(NamedCode);
        writer.Name(loss.Name);
    }

    /// <summary>Reads a loss field.</summary>
    /// <exception cref="Data.DataFormatException">An unknown code, or a name that is neither built in nor registered.</exception>
    public static Loss Read(ref FieldReader reader)
    {
        byte code = reader.Byte();
        switch (code)
        {
            case HalfSquaredErrorCode: return Loss.HalfSquaredError;
            case CrossEntropyCode: return Loss.CrossEntropy;
            case NamedCode: break;
            default: throw reader.Error(-1, $"loss code {code}; expected 0 (HalfSquaredError), 1 (CrossEntropy) or 2 (a loss by name).");
        }
        long nameStart = reader.Position;
        string name = reader.Name(LossRegistry.MaxNameLength, "loss name");
        try
        {
            return Loss.FromName(name);
        }
        catch (ArgumentException e)
        {
            throw reader.ErrorAt(nameStart, $"unknown loss '{name}' (neither built in nor registered with Loss.Register).", e);
        }
    }

    // Storable when its name reads back as this very loss: a built-in, or the loss registered under the name.
    internal static bool IsStorable(Loss loss)
    {
        string name = loss.Name;
        if (name is null || name.Length is < 1 or > LossRegistry.MaxNameLength) return false;
        try
        {
            Loss named = Loss.FromName(name);
            return named.Name == name && (ReferenceEquals(named, loss) || named.Equals(loss));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
