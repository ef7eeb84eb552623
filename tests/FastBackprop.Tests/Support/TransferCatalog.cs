namespace FastBackprop.Tests.Support;

// ---------------------------------------------------------------------------------------------
// What the whole-network properties need to know of each built-in element-wise function beyond
// f and f': its Lipschitz constant L = sup |f'| (how far a rounding in net moves y), sup |f''| (how
// far it moves f'), and where f' jumps (kinks, where the float and double passes may legitimately
// take different branches). Values from the definitions:
//   ELU(α): L = max(1, α), f'' = α e^x on x < 0, f' jumps at 0 unless α = 1.
//   SELU: L = scale α = 1.7581, sup f'' = 1.7581, jumps at 0 (1.0507 vs 1.7581).
//   softplus: L = 1, f'' = σ(1 - σ) <= 1/4.   GELU: L = 1.129, f'' = φ(x)(2 - x^2) <= 2φ(0) = 0.798.
//   GELU (tanh): within 0.5% of GELU: L 1.13, sup f'' 0.8 (0.9 used).   SiLU: L = 1.0998, f''(0) = 1/2 is the max.
//   softsign, Elliott: L = 1, sup f'' = 2 (at 0±).   hard tanh: L = 1, f' jumps at ±1.
//   Gaussian: L = √2 e^(-1/2) = 0.858, f'' = (4x^2 - 2) e^(-x^2), sup 2.   sine: L = 1, sup f'' = 1.
// ---------------------------------------------------------------------------------------------

/// <summary>Lipschitz constant, bound on |f''| and kinks of the built-in element-wise functions.</summary>
internal static class TransferCatalog
{
    /// <summary>The functions with Kernels/Transfer operators, for the generators.</summary>
    public static TransferFunction[] NewFunctions { get; } =
    [
        TransferFunction.Elu(), TransferFunction.Elu(0.5f), TransferFunction.Elu(1.7f), TransferFunction.Selu, TransferFunction.Softplus,
        TransferFunction.Gelu, TransferFunction.GeluTanh, TransferFunction.Silu, TransferFunction.Softsign, TransferFunction.HardTanh,
        TransferFunction.Elliott, TransferFunction.Gaussian, TransferFunction.Sine,
    ];

    /// <summary>sup |f'|: how much a change of the net sum can move the output.</summary>
    public static double Lipschitz(TransferFunction f) => f.Name switch
    {
        "selu" => 1.7581,
        "gelu" or "gelu-tanh" => 1.13,
        "silu" => 1.1,
        _ when f is ExponentialLinearFunction e => Math.Max(1.0, e.Alpha),
        _ => 1.0,
    };

    /// <summary>sup |f''| of the new functions (null for the others, which NetworkProperties' ErrorScales knows).</summary>
    public static double? SecondDerivativeBound(TransferFunction f) => f.Name switch
    {
        "selu" => 1.7581,
        "softplus" => 0.25,
        "gelu" => 0.8,
        "gelu-tanh" => 0.9,
        "silu" => 0.5,
        "softsign" or "elliott" or "gaussian" => 2.0,
        "hard-tanh" => 0.0,
        "sin" => 1.0,
        _ when f is ExponentialLinearFunction e => e.Alpha,
        _ => null,
    };

    /// <summary>Where f' jumps.</summary>
    public static double[] Kinks(TransferFunction f) => f switch
    {
        RectifierFunction => [0.0],
        ExponentialLinearFunction { IsSelu: true } => [0.0],
        ExponentialLinearFunction e when e.Alpha != 1f => [0.0],
        HardTanhFunction => [-1.0, 1.0],
        _ => [],
    };
}
