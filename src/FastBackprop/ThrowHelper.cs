using System.Diagnostics.CodeAnalysis;

namespace FastBackprop;

/// <summary>Throwers kept out of line so that the checks in hot methods stay small. Every message
/// names the parameter, what was expected and what was given.</summary>
internal static class ThrowHelper
{
    /// <summary>Throws unless <paramref name="actual"/> == <paramref name="expected"/>.</summary>
    public static void CheckLength(int actual, int expected, string paramName)
    {
        if (actual != expected) ThrowLength(actual, expected, paramName);
    }

    [DoesNotReturn]
    public static void ThrowLength(int actual, int expected, string paramName) =>
        throw new ArgumentException($"{paramName} has length {actual}; expected {expected}.", paramName);

    /// <summary>Throws if any element of <paramref name="values"/> is NaN or infinite.</summary>
    public static void CheckFinite(ReadOnlySpan<float> values, string paramName)
    {
        // Vectorised scan first; the element loop only runs to name the culprit.
        if (Kernels.Finiteness.All(values)) return;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) ThrowNotFinite(values[i], i, paramName);
        }
    }

    [DoesNotReturn]
    public static void ThrowNotFinite(float value, int index, string paramName) =>
        throw new ArgumentException($"{paramName}[{index}] is {value}; expected a finite number.", paramName);

    /// <summary>Throws unless <paramref name="value"/> is finite and greater than zero.</summary>
    public static void CheckPositiveFinite(float value, string paramName)
    {
        if (!(float.IsFinite(value) && value > 0f))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; expected a finite number greater than 0.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and 0 or more.</summary>
    public static void CheckNonNegativeFinite(float value, string paramName)
    {
        if (!(float.IsFinite(value) && value >= 0f))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; expected a finite number, 0 or more.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is at least <paramref name="minimum"/>.</summary>
    public static void CheckAtLeast(int value, int minimum, string paramName)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; expected at least {minimum}.");
        }
    }

    /// <summary>Throws unless <paramref name="matrixLength"/> == <paramref name="rows"/> * <paramref name="cols"/>.</summary>
    public static void CheckMatrix(int matrixLength, int rows, int cols, string paramName)
    {
        if ((long)rows * cols != matrixLength)
        {
            throw new ArgumentException(
                $"{paramName} has length {matrixLength}; expected {rows} x {cols} = {(long)rows * cols}.", paramName);
        }
    }
}
