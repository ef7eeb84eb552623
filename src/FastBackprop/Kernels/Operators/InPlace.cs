using System.Runtime.CompilerServices;

namespace FastBackprop.Kernels.Operators;

/// <summary>Small loops that more than one kernel runs over its own buffer, written once for every width.</summary>
internal static class InPlace
{
    /// <summary>x[i] *= factor for i in [0, n): full registers, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale<TSimd, TVector>(ref float x, int n, float factor) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector f = TSimd.Create(factor);
        int i = 0;
        for (; i <= n - TSimd.Count; i += TSimd.Count)
        {
            ref float xi = ref Unsafe.Add(ref x, i);
            TSimd.Store(TSimd.Multiply(TSimd.Load(ref xi), f), ref xi);
        }
        for (; i < n; i++) Unsafe.Add(ref x, i) *= factor;
    }
}
