using FastBackprop.Reference;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.ReferenceTests;

// ---------------------------------------------------------------------------------------------
// The oracle checked against calculus: ReferenceBackprop.Run's gradient against central finite
// differences (E(w + h) - E(w - h)) / 2h of ReferenceBackprop.Error, all in double (genann's
// gradient_act, llm.c's check). Random shapes as in NetworkProperties, random parameters.
//
// STEP AND TOLERANCE. h = 1e-5. The truncation error is h²/6 · |∂³E/∂w³| ≈ 2e-11 for the O(1)
// third derivatives of these networks; the rounding error is about ε·S(E)/h, where ε = 2^-53 ≈
// 1.1e-16 and S(E) bounds the terms E is summed from, i.e. ≈ 1e-11 · S(E). The check is
// |numeric - analytic| ≤ 1e-6 · max(|numeric|, |analytic|) + 1e-9 · (1 + |E|): 1e-6 relative
// as asked, plus an absolute floor 100x above the rounding term for gradients near 0.
//
// Parameters checked: every parameter for small networks, a random sample of 64 otherwise
// (the full set would cost 2P reference passes of P parameters each).
//
// KINKS. A central difference is only meaningful where E is smooth on [w - h, w + h]. If the
// perturbation flips any rectifier unit's branch (net sum crossing 0), that parameter is skipped;
// with h = 1e-5 that is rare. ANTI-VACUITY: a case counts only if Σ |numeric| over the checked
// parameters exceeds 1e-6 (dead ReLU networks have a zero gradient and prove nothing); cases below
// are discarded with When(), so a reference that returned zeros everywhere could not pass.
// ---------------------------------------------------------------------------------------------

/// <summary>Reference gradients versus central differences of the reference error.</summary>
public class GradientCheckTests
{
    private const double Step = 1e-5;
    private const double RelativeTolerance = 1e-6;
    private const double AbsoluteFloor = 1e-9;
    private const double AntiVacuityThreshold = 1e-6;
    private const int SampledParameters = 64;

    [Property(MaxTest = 60)]
    public Property ReferenceGradient_MatchesCentralDifferences() =>
        Prop.ForAll(NetworkGenerators.CaseArbitrary(), c =>
        {
            Network network = c.CreateNetwork();
            NetworkDefinition definition = c.Definition;
            double[] p = NetworkGenerators.ToDouble(network.Parameters);
            double[] x = NetworkGenerators.ToDouble(c.CreateInput()), d = NetworkGenerators.ToDouble(c.CreateTarget());
            ReferencePass pass = ReferenceBackprop.Run(definition, p, x, d);
            Assert.Equal(pass.Error, ReferenceBackprop.Error(definition, p, x, d));

            var random = new SeededRandom(c.DataSeed ^ 0x5EED5EED5EED5EEDUL);
            IEnumerable<int> indices = p.Length <= SampledParameters
                ? Enumerable.Range(0, p.Length)
                : Enumerable.Range(0, SampledParameters).Select(_ => random.NextInt32(p.Length)).Distinct();

            double sumAbsNumeric = 0;
            int checkedCount = 0, skippedAtKink = 0;
            var failures = new List<string>();
            foreach (int i in indices)
            {
                double w = p[i];
                p[i] = w + Step;
                ReferencePass plus = ReferenceBackprop.Run(definition, p, x, d);
                p[i] = w - Step;
                ReferencePass minus = ReferenceBackprop.Run(definition, p, x, d);
                p[i] = w;
                if (RectifierBranchesDiffer(definition, pass, plus) || RectifierBranchesDiffer(definition, pass, minus))
                {
                    skippedAtKink++;
                    continue;
                }
                double numeric = (plus.Error - minus.Error) / (2 * Step);
                double analytic = pass.Gradient[i];
                double tolerance = RelativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(analytic)) + AbsoluteFloor * (1 + Math.Abs(pass.Error));
                if (!(Math.Abs(numeric - analytic) <= tolerance))
                {
                    failures.Add($"parameter {i}: analytic {analytic:R}, numeric {numeric:R}, |diff| {Math.Abs(numeric - analytic):E3} > {tolerance:E3}");
                }
                sumAbsNumeric += Math.Abs(numeric);
                checkedCount++;
            }

            bool meaningful = sumAbsNumeric > AntiVacuityThreshold;
            return new Action(() =>
            {
                Assert.True(failures.Count == 0, $"{c}: E = {pass.Error:R}; " + string.Join("; ", failures));
                Assert.True(skippedAtKink <= checkedCount, $"{skippedAtKink} parameters at a kink, only {checkedCount} checked");
            }).When(meaningful)
              .Classify(skippedAtKink > 0, "skipped a parameter at a ReLU kink")
              .Classify(c.Definition.Loss == Loss.CrossEntropy, "cross-entropy");
        });

    [Fact]
    public void ReferenceGradient_MatchesCentralDifferences_OnSmoothFixedNetwork_NonVacuously()
    {
        // A deterministic companion of the property: a 3-5-4-3 tanh/logistic/softmax network with
        // cross-entropy, every parameter checked, and a hard anti-vacuity assertion.
        var network = new Network(3, Loss.CrossEntropy,
            new Dense(5, TransferFunction.Tanh),
            new Dense(4, TransferFunction.Logistic),
            new Dense(3, TransferFunction.Softmax));
        network.InitializeWeights(11);
        var random = new SeededRandom(12);
        foreach (ref float b in network.Parameters) b += random.NextSymmetric(0.3f);
        double[] p = NetworkGenerators.ToDouble(network.Parameters);
        double[] x = [0.3, -0.7, 0.9], d = [0.2, 0.7, 0.1];
        ReferencePass pass = ReferenceBackprop.Run(network.Definition, p, x, d);

        double sumAbsNumeric = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double w = p[i];
            p[i] = w + Step;
            double ePlus = ReferenceBackprop.Error(network.Definition, p, x, d);
            p[i] = w - Step;
            double eMinus = ReferenceBackprop.Error(network.Definition, p, x, d);
            p[i] = w;
            double numeric = (ePlus - eMinus) / (2 * Step);
            double tolerance = RelativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(pass.Gradient[i])) + AbsoluteFloor * (1 + pass.Error);
            Assert.True(Math.Abs(numeric - pass.Gradient[i]) <= tolerance, $"parameter {i}: analytic {pass.Gradient[i]:R}, numeric {numeric:R}");
            sumAbsNumeric += Math.Abs(numeric);
        }
        Assert.True(sumAbsNumeric > 0.1, $"Σ|numeric gradient| = {sumAbsNumeric}: the check would be vacuous");
    }

    private static bool RectifierBranchesDiffer(NetworkDefinition definition, ReferencePass a, ReferencePass b)
    {
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (((Dense)definition.Layers[l]).Transfer is not RectifierFunction) continue;
            for (int k = 0; k < a.NetSums[l].Length; k++)
            {
                if ((a.NetSums[l][k] > 0) != (b.NetSums[l][k] > 0)) return true;
            }
        }
        return false;
    }
}
