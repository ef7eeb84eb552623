using FastBackprop.Training;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// The optimizers' update equations in double precision, scalar, one statement per equation,
// each with the worst-case error bound of the float kernel for that element.
//
// A rule computes one step from a float snapshot (parameters, state, step count) of the optimizer
// under test, so that every step of a multi-step run is checked on its own: the bound covers one
// step's roundings, never an accumulation, and a state-carrying bug (a moment not written back, a
// wrong buffer order, a stale step count) still shows at the step it happens.
//
// Bounds (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1): an expression whose
// terms pass through at most k float roundings (u = 2^-24) is within γ_k · Σ|terms| of the exact
// value, γ_k = k u / (1 - k u); an unfused multiply-add counts two roundings, a fused one one, so
// counting two serves both. Errors carried into a square root or a division are propagated to
// first order explicitly (Adam, RMSProp), then doubled to cover second-order terms. The double
// reference's own error (2^-53 relative) is below 1e-8 of any bound and is ignored. The absolute
// floor of 64 · 2^-149 covers gradual underflow of tiny products.
// ---------------------------------------------------------------------------------------------

/// <summary>One optimizer configuration: the optimizer under test, its equations in double, and random
/// valid states for it.</summary>
internal abstract class ReferenceRule
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>The absolute floor of every bound.</summary>
    protected const double Floor = 64 * 1.4012984643248171e-45;

    /// <summary>γ_k for float.</summary>
    protected static double Gamma(int k) => k * U / (1 - k * U);

    /// <summary>The configuration, for failure messages.</summary>
    public abstract override string ToString();

    /// <summary>A new optimizer of this configuration.</summary>
    public abstract Optimizer Create(int parameterCount);

    /// <summary>Fills <paramref name="state"/> (the layout of SaveState) with a random state the optimizer could reach.</summary>
    public abstract void RandomState(SeededRandom random, Span<float> state, int parameterCount);

    /// <summary>One step from the snapshot: writes the expected parameters and state, and their bounds.</summary>
    /// <param name="w">Parameters before the step.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="state">The state before the step (SaveState layout).</param>
    /// <param name="t">The 1-based number of this step.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="wOut">Expected parameters.</param>
    /// <param name="wBound">Bound on |kernel - expected| per parameter (+∞: anything finite is right).</param>
    /// <param name="stateOut">Expected state.</param>
    /// <param name="stateBound">Bound per state element.</param>
    public abstract void Step(float[] w, float[] g, float[] state, long t, float lr,
        double[] wOut, double[] wBound, double[] stateOut, double[] stateBound);

    /// <summary>A random draw from <paramref name="choices"/>.</summary>
    protected static float Pick(SeededRandom random, params float[] choices) => choices[random.NextInt32(choices.Length)];

    /// <summary>Fills with values uniform in ±<paramref name="amplitude"/>, with exact zeros mixed in.</summary>
    protected static void FillSymmetric(SeededRandom random, Span<float> values, float amplitude)
    {
        for (int i = 0; i < values.Length; i++) values[i] = random.NextInt32(16) == 0 ? 0f : random.NextSymmetric(amplitude);
    }

    /// <summary>Fills with values uniform in [0, <paramref name="amplitude"/>), with exact zeros mixed in.</summary>
    protected static void FillNonNegative(SeededRandom random, Span<float> values, float amplitude)
    {
        for (int i = 0; i < values.Length; i++) values[i] = random.NextInt32(16) == 0 ? 0f : amplitude * random.NextSingle();
    }
}

// --- SGD, momentum, Nesterov -----------------------------------------------------------------

/// <summary>torch.optim.SGD (dampening 0): g' = g + λw; v = μv + g'; w -= η v (heavy ball), w -= η (g' + μv) (Nesterov),
/// w -= η g' (μ = 0).</summary>
internal sealed class SgdRule(float momentum, bool nesterov, float weightDecay) : ReferenceRule
{
    public static SgdRule Random(SeededRandom r) => new(
        r.NextInt32(3) == 0 ? 0f : Pick(r, 0.5f, 0.9f, 0.99f, 0.99f * r.NextSingle()),
        r.NextInt32(2) == 0,
        Pick(r, 0f, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"Sgd(momentum {momentum:R}, nesterov {nesterov}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new Sgd(n, momentum, nesterov, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n) => FillSymmetric(random, state, Pick(random, 1f, 0.01f, 10f));

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        double eta = lr, mu = momentum, lambda = weightDecay;
        for (int i = 0; i < w.Length; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double conditionG = Math.Abs(g[i]) + lambda * Math.Abs(w[i]);
            if (momentum == 0f)
            {
                wOut[i] = w[i] - eta * gi;                                  // w = w - η g'
                wBound[i] = Gamma(4) * (Math.Abs(w[i]) + eta * conditionG) + Floor;
                continue;
            }
            double v = mu * state[i] + gi;                                  // v = μ v + g'
            double conditionV = mu * Math.Abs(state[i]) + conditionG;
            stateOut[i] = v;
            stateBound[i] = Gamma(4) * conditionV + Floor;
            if (nesterov)
            {
                wOut[i] = w[i] - eta * (gi + mu * v);                       // w = w - η (g' + μ v)
                wBound[i] = Gamma(10) * (Math.Abs(w[i]) + eta * (conditionG + mu * conditionV)) + Floor;
            }
            else
            {
                wOut[i] = w[i] - eta * v;                                   // w = w - η v
                wBound[i] = Gamma(6) * (Math.Abs(w[i]) + eta * conditionV) + Floor;
            }
        }
    }
}

// --- Adam, AdamW -----------------------------------------------------------------------------

/// <summary>torch.optim.Adam / AdamW: g' = g + λw (Adam) or w = w(1 - ηλ) (AdamW); m = β1 m + (1-β1) g';
/// v = β2 v + (1-β2) g'²; w -= η/(1-β1^t) · m / (√v / √(1-β2^t) + ε).</summary>
internal sealed class AdamRule(float beta1, float beta2, float epsilon, float weightDecay, bool decoupled) : ReferenceRule
{
    public static AdamRule Random(SeededRandom r, bool decoupled) => new(
        Pick(r, 0f, 0.5f, 0.9f, 0.9f, 0.99f * r.NextSingle()),
        Pick(r, 0f, 0.9f, 0.999f, 0.999f, 0.9999f, 0.999f * r.NextSingle()),
        Pick(r, 1e-8f, 1e-8f, 1e-6f, 1e-3f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f),
        decoupled);

    public override string ToString() => $"{(decoupled ? "AdamW" : "Adam")}(beta1 {beta1:R}, beta2 {beta2:R}, epsilon {epsilon:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) =>
        decoupled ? new AdamW(n, beta1, beta2, epsilon, weightDecay) : new Adam(n, beta1, beta2, epsilon, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        float amplitude = Pick(random, 1f, 0.01f, 10f);
        FillSymmetric(random, state[..n], amplitude);
        FillNonNegative(random, state[n..], amplitude * amplitude);
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double eta = lr, b1 = beta1, b2 = beta2, eps = epsilon, lambda = weightDecay;
        double stepSize = eta / (1 - Math.Pow(b1, t));                      // η / (1 - β1^t)
        double rootCorrection = Math.Sqrt(1 - Math.Pow(b2, t));             // √(1 - β2^t)
        for (int i = 0; i < n; i++)
        {
            double wi = w[i], gi = g[i];
            double errorW = 0, conditionG = Math.Abs(gi);
            if (decoupled)
            {
                wi *= 1 - eta * lambda;                                     // w = w (1 - η λ)     (AdamW)
                errorW = Gamma(3) * Math.Abs(wi);
            }
            else
            {
                gi += lambda * w[i];                                        // g' = g + λ w        (Adam)
                conditionG += lambda * Math.Abs(w[i]);
            }
            double errorG = Gamma(2) * conditionG;

            double m = b1 * state[i] + (1 - b1) * gi;                       // m = β1 m + (1 - β1) g'
            double errorM = Gamma(4) * (b1 * Math.Abs(state[i]) + (1 - b1) * conditionG) + (1 - b1) * errorG;
            double v = b2 * state[n + i] + (1 - b2) * gi * gi;              // v = β2 v + (1 - β2) g'^2
            double errorV = Gamma(5) * (b2 * state[n + i] + (1 - b2) * gi * gi) + (1 - b2) * (2 * Math.Abs(gi) + errorG) * errorG;
            stateOut[i] = m;
            stateOut[n + i] = v;
            stateBound[i] = errorM + Floor;
            stateBound[n + i] = errorV + Floor;

            double root = Math.Sqrt(v);
            double denominator = root / rootCorrection + eps;               // √v / √(1 - β2^t) + ε
            double update = stepSize * m / denominator;                     // η/(1-β1^t) · m / (...)
            wOut[i] = wi - update;                                          // w = w - update

            // First-order propagation: the error of v through the root, then of m and the
            // denominator through the division; the kernel's own roundings on top.
            double errorRoot = Math.Max(Math.Sqrt(v + errorV) - root, root - Math.Sqrt(Math.Max(0, v - errorV)));
            double errorDenominator = errorRoot / rootCorrection + Gamma(5) * denominator;
            double lowDenominator = Math.Max(denominator - errorDenominator, eps * (1 - Gamma(2)));
            double errorUpdate = stepSize * (errorM + Math.Abs(m) * errorDenominator / denominator) / lowDenominator
                + Gamma(4) * Math.Abs(update);
            wBound[i] = 2 * (errorW + errorUpdate + Gamma(2) * (Math.Abs(wi) + Math.Abs(update))) + Floor;
        }
    }
}

// --- RMSProp ---------------------------------------------------------------------------------

/// <summary>torch.optim.RMSprop (no momentum, not centred): g' = g + λw; s = ρ s + (1-ρ) g'²; w -= η g' / (√s + ε).</summary>
internal sealed class RmsPropRule(float rho, float epsilon, float weightDecay) : ReferenceRule
{
    public static RmsPropRule Random(SeededRandom r) => new(
        Pick(r, 0f, 0.5f, 0.9f, 0.99f, 0.99f, 0.999f * r.NextSingle()),
        Pick(r, 1e-8f, 1e-8f, 1e-6f, 1e-3f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"RmsProp(rho {rho:R}, epsilon {epsilon:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new RmsProp(n, rho, epsilon, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n) => FillNonNegative(random, state, Pick(random, 1f, 1e-4f, 100f));

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        double eta = lr, r = rho, eps = epsilon, lambda = weightDecay;
        for (int i = 0; i < w.Length; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double conditionG = Math.Abs(g[i]) + lambda * Math.Abs(w[i]);
            double errorG = Gamma(2) * conditionG;
            double s = r * state[i] + (1 - r) * gi * gi;                    // s = ρ s + (1 - ρ) g'^2
            double errorS = Gamma(5) * (r * state[i] + (1 - r) * gi * gi) + (1 - r) * (2 * Math.Abs(gi) + errorG) * errorG;
            stateOut[i] = s;
            stateBound[i] = errorS + Floor;

            double root = Math.Sqrt(s);
            double denominator = root + eps;                                // √s + ε
            double update = eta * gi / denominator;                         // η g' / (√s + ε)
            wOut[i] = w[i] - update;                                        // w = w - update

            double errorRoot = Math.Max(Math.Sqrt(s + errorS) - root, root - Math.Sqrt(Math.Max(0, s - errorS)));
            double errorDenominator = errorRoot + Gamma(2) * denominator;
            double lowDenominator = Math.Max(denominator - errorDenominator, eps * (1 - Gamma(2)));
            double errorUpdate = eta * (errorG + Math.Abs(gi) * errorDenominator / denominator) / lowDenominator + Gamma(3) * Math.Abs(update);
            wBound[i] = 2 * (errorUpdate + Gamma(2) * (Math.Abs(w[i]) + Math.Abs(update))) + Floor;
        }
    }
}

// --- iRPROP- ---------------------------------------------------------------------------------

/// <summary>iRPROP- (Igel and Hüsken 2000, Fig. 3), with the remembered gradient kept as a sign (the rule only uses its sign).</summary>
internal sealed class RpropRule(float increase, float decrease, float minStep, float maxStep, float initialStep, float weightDecay) : ReferenceRule
{
    public static RpropRule Random(SeededRandom r) => r.NextInt32(2) == 0
        ? new(1.2f, 0.5f, 1e-6f, 50f, 0.1f, Pick(r, 0f, 0f, 0.01f))
        : new(1.05f + r.NextSingle(), 0.1f + 0.8f * r.NextSingle(), Pick(r, 1e-6f, 1e-3f), Pick(r, 1f, 50f), Pick(r, 0.1f, 0.01f, 1e-3f), Pick(r, 0f, 1e-4f, 0.3f));

    public override string ToString() =>
        $"Rprop(increase {increase:R}, decrease {decrease:R}, minStep {minStep:R}, maxStep {maxStep:R}, initialStep {initialStep:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new Rprop(n, increase, decrease, minStep, maxStep, initialStep, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        for (int i = 0; i < n; i++) state[i] = random.NextInt32(3) - 1;
        for (int i = n; i < 2 * n; i++)
        {
            // Log-uniform in [minStep, maxStep], with the bounds themselves mixed in.
            int pick = random.NextInt32(8);
            state[i] = pick == 0 ? minStep : pick == 1 ? maxStep
                : Math.Clamp((float)(minStep * Math.Pow(maxStep / (double)minStep, random.NextDouble())), minStep, maxStep);
        }
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double lambda = weightDecay;
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double previous = state[i];                                     // sign of g'(t-1), 0 after a reset
            double step = state[n + i];                                     // Δ
            if (lambda != 0 && Math.Abs(gi) <= Gamma(2) * (Math.Abs(g[i]) + lambda * Math.Abs(w[i])))
            {
                // g' = g + λw is within rounding of 0: the float g' may have either sign or be 0, so any
                // outcome is right for this element.
                wBound[i] = stateBound[i] = stateBound[n + i] = double.PositiveInfinity;
                wOut[i] = stateOut[i] = stateOut[n + i] = 0;
                continue;
            }
            double product = previous * gi;
            if (product > 0)
            {
                step = Math.Min(step * increase, maxStep);                  // Δ = min(Δ η+, Δmax)
            }
            else if (product < 0)
            {
                step = Math.Max(step * decrease, minStep);                  // Δ = max(Δ η-, Δmin)
                gi = 0;                                                     // g'(t) = 0
            }
            double sign = Math.Sign(gi);
            wOut[i] = w[i] - sign * step;                                   // w = w - sign(g') Δ
            stateOut[i] = sign;                                             // remember g'(t) (its sign)
            stateOut[n + i] = step;
            stateBound[i] = 0;                                              // signs are exact
            stateBound[n + i] = Gamma(1) * step;                            // one rounding of Δ η
            wBound[i] = Gamma(1) * step + Gamma(1) * (Math.Abs(w[i]) + step) + Floor;
        }
    }
}
