using System.Globalization;
using FastBackprop.Kernels;

namespace FastBackprop;

/// <summary>ELU (PyTorch nn.ELU) and SELU (nn.SELU): f(x) = scale x for x &gt; 0, scale α (e^x - 1) otherwise;
/// f'(x) = scale for x &gt; 0, scale α e^x otherwise (the left derivative at 0, as PyTorch), taken from the output
/// in the engine (y + scale α). ELU has scale 1 and a chosen α; SELU has PyTorch's constants.</summary>
internal sealed class ExponentialLinearFunction : OperatorTransferFunction<ExponentialLinearOperator, ExponentialLinearDerivativeOperator>
{
    /// <summary>SELU's α and scale, PyTorch's constants (Klambauer et al. 2017).</summary>
    internal const double SeluAlpha = 1.6732632423543772848170429916717, SeluScale = 1.0507009873554804934193349852946;

    /// <summary>SELU's scale α rounded once to float, for the kernel.</summary>
    internal const float SeluScaleAlphaSingle = 1.7580993408473768599402175208123f;

    private readonly double scale, alpha;

    private ExponentialLinearFunction(float scale, float scaleAlpha, double exactScale, double exactAlpha, bool selu)
        : base(new ExponentialLinearOperator(scale, scaleAlpha), new ExponentialLinearDerivativeOperator(scale, scaleAlpha))
    {
        this.scale = exactScale;
        alpha = exactAlpha;
        IsSelu = selu;
    }

    /// <summary>ELU with <paramref name="alpha"/> (checked by the caller: finite, above 0).</summary>
    public static ExponentialLinearFunction CreateElu(float alpha) => new(1f, alpha, 1.0, alpha, selu: false);

    /// <summary>SELU: scale α rounded once to float for the kernel, exact in the double reference.</summary>
    public static ExponentialLinearFunction CreateSelu() => new((float)SeluScale, SeluScaleAlphaSingle, SeluScale, SeluAlpha, selu: true);

    public bool IsSelu { get; }

    /// <summary>ELU's α (SELU's is fixed).</summary>
    public float Alpha => (float)alpha;

    public override string Name => IsSelu ? "selu" : "elu(" + Alpha.ToString("R", CultureInfo.InvariantCulture) + ")";

    /// <summary>He for ELU, whose positive side is the rectifier's; SELU's self-normalisation assumes LeCun normal
    /// weights (variance 1 / fan_in), as PyTorch's documentation says.</summary>
    public override WeightInitialization PreferredInitialization => IsSelu ? WeightInitialization.LeCunNormal : WeightInitialization.HeUniform;

    public override double Function(double x) => x > 0 ? scale * x : scale * alpha * ReferenceMath.ExpM1(x);
    public override double Derivative(double x) => x > 0 ? scale : scale * alpha * Math.Exp(x);
    public override bool Equals(object? obj) => obj is ExponentialLinearFunction other && other.IsSelu == IsSelu && other.alpha.Equals(alpha);
    public override int GetHashCode() => HashCode.Combine(IsSelu, alpha);
}
