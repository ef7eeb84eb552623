using FastBackprop.Reference;

namespace FastBackprop.Tests.Support;

/// <summary>ReferenceBackprop's gradient against central differences of its E, as GradientCheckTests checks it: every
/// parameter (or 64 drawn from the case's data seed), h = 1e-5, tolerance 1e-6 relative plus 1e-9 (1 + |E|).</summary>
internal static class CentralDifferences
{
    private const double Step = 1e-5, RelativeTolerance = 1e-6, AbsoluteFloor = 1e-9;

    /// <summary>The failing parameters (one line each) and Σ |numeric| over those checked (the anti-vacuity measure);
    /// a parameter is skipped when <paramref name="skip"/>(pass, perturbed pass) says its perturbation crossed a kink.</summary>
    public static (List<string> Failures, double SumAbsNumeric) Check(NetworkCase c, double[] x, double[] d, Func<ReferencePass, ReferencePass, bool> skip)
    {
        NetworkDefinition definition = c.Definition;
        double[] p = NetworkGenerators.ToDouble(c.CreateNetwork().Parameters);
        ReferencePass pass = ReferenceBackprop.Run(definition, p, x, d);
        var random = new SeededRandom(c.DataSeed ^ 0x5EED5EED5EED5EEDUL);
        IEnumerable<int> indices = p.Length <= 64 ? Enumerable.Range(0, p.Length) : Enumerable.Range(0, 64).Select(_ => random.NextInt32(p.Length)).Distinct();
        var failures = new List<string>();
        double sumAbsNumeric = 0;
        foreach (int i in indices)
        {
            double w = p[i];
            p[i] = w + Step;
            ReferencePass plus = ReferenceBackprop.Run(definition, p, x, d);
            p[i] = w - Step;
            ReferencePass minus = ReferenceBackprop.Run(definition, p, x, d);
            p[i] = w;
            if (skip(pass, plus) || skip(pass, minus)) continue;
            double numeric = (plus.Error - minus.Error) / (2 * Step), analytic = pass.Gradient[i];
            double tolerance = RelativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(analytic)) + AbsoluteFloor * (1 + Math.Abs(pass.Error));
            if (!(Math.Abs(numeric - analytic) <= tolerance)) failures.Add($"parameter {i}: analytic {analytic:R}, numeric {numeric:R}");
            sumAbsNumeric += Math.Abs(numeric);
        }
        return (failures, sumAbsNumeric);
    }
}
