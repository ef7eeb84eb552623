namespace FastBackprop.Training;

/// <summary>Validation of optimizer and schedule hyper-parameters. Every failure is an
/// <see cref="ArgumentOutOfRangeException"/> naming the parameter, the accepted range and the value given.</summary>
internal static class HyperParameter
{
    /// <summary>Finite and &gt;= 0.</summary>
    public static float NonNegative(float value, string name)
    {
        if (!(float.IsFinite(value) && value >= 0f)) Throw(value, name, "a finite number >= 0");
        return value;
    }

    /// <summary>Finite and &gt; 0.</summary>
    public static float Positive(float value, string name)
    {
        if (!(float.IsFinite(value) && value > 0f)) Throw(value, name, "a finite number > 0");
        return value;
    }

    /// <summary>In [0, 1): a decay rate or momentum coefficient.</summary>
    public static float UnitInterval(float value, string name)
    {
        if (!(value >= 0f && value < 1f)) Throw(value, name, "a number in [0, 1)");
        return value;
    }

    /// <summary>Finite and &gt; 1: a growth factor.</summary>
    public static float AboveOne(float value, string name)
    {
        if (!(float.IsFinite(value) && value > 1f)) Throw(value, name, "a finite number > 1");
        return value;
    }

    /// <summary>In (0, 1): a shrink factor.</summary>
    public static float OpenUnitInterval(float value, string name)
    {
        if (!(value > 0f && value < 1f)) Throw(value, name, "a number in (0, 1)");
        return value;
    }

    /// <summary>In [<paramref name="min"/>, <paramref name="max"/>], both finite.</summary>
    public static float InRange(float value, float min, float max, string name)
    {
        if (!(value >= min && value <= max)) Throw(value, name, $"a number in [{min}, {max}]");
        return value;
    }

    /// <summary>At least <paramref name="min"/>.</summary>
    public static int AtLeast(int value, int min, string name)
    {
        if (value < min)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected at least {min}.");
        }
        return value;
    }

    private static void Throw(float value, string name, string expected) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
}
