using FastBackprop.Training;
using Xunit;

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

    /// <summary>The loss given to this step (rules that read it: iRPROP+); set by the check before <see cref="Step"/>.</summary>
    public double Loss { get; set; }

    /// <summary>The rule's scalar state before this step (<see cref="Scalars"/>); set by the check before <see cref="Step"/>.</summary>
    public double[] ScalarsBefore { get; set; } = [];

    /// <summary>The optimizer's scalar state besides its buffers (NAdam's momentum product, iRPROP+'s previous loss).</summary>
    public virtual double[] Scalars(Optimizer optimizer) => [];

    /// <summary>Checks the scalar state after step <paramref name="t"/> against the equations.</summary>
    public virtual void AssertScalars(Optimizer optimizer, long t)
    {
    }

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

// --- AdaGrad ---------------------------------------------------------------------------------

/// <summary>torch.optim.Adagrad: g' = g + λw; s = s + g'²; w -= η/(1 + (t-1) η_decay) · g' / (√s + ε).</summary>
internal sealed class AdaGradRule(float epsilon, float learningRateDecay, float initialAccumulator, float weightDecay) : ReferenceRule
{
    public static AdaGradRule Random(SeededRandom r) => new(
        Pick(r, 1e-10f, 1e-10f, 1e-6f, 0.1f),
        Pick(r, 0f, 0f, 1e-3f, 0.1f),
        Pick(r, 0f, 0f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"AdaGrad(epsilon {epsilon:R}, lrDecay {learningRateDecay:R}, initial {initialAccumulator:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new AdaGrad(n, epsilon, learningRateDecay, initialAccumulator, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n) => FillNonNegative(random, state, Pick(random, 1f, 1e-4f, 100f));

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        double lambda = weightDecay, eps = epsilon;
        double rate = lr / (1 + (t - 1) * (double)learningRateDecay);       // clr = η / (1 + (t-1) η_decay)
        for (int i = 0; i < w.Length; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double errorG = Gamma(2) * (Math.Abs(g[i]) + lambda * Math.Abs(w[i]));
            double s = state[i] + gi * gi;                                  // s = s + g'^2
            double errorS = Gamma(2) * s + (2 * Math.Abs(gi) + errorG) * errorG;
            stateOut[i] = s;
            stateBound[i] = errorS + Floor;

            double root = Math.Sqrt(s);
            double denominator = root + eps;                                // √s + ε
            double update = rate * gi / denominator;                        // clr g' / (√s + ε)
            wOut[i] = w[i] - update;                                        // w = w - update

            double errorRoot = Math.Max(Math.Sqrt(s + errorS) - root, root - Math.Sqrt(Math.Max(0, s - errorS)));
            double errorDenominator = errorRoot + Gamma(2) * denominator;
            double lowDenominator = Math.Max(denominator - errorDenominator, eps * (1 - Gamma(2)));
            double errorUpdate = rate * (errorG + Math.Abs(gi) * errorDenominator / denominator) / lowDenominator + Gamma(4) * Math.Abs(update);
            wBound[i] = 2 * (errorUpdate + Gamma(2) * (Math.Abs(w[i]) + Math.Abs(update))) + Floor;
        }
    }
}

// --- Adamax ----------------------------------------------------------------------------------

/// <summary>torch.optim.Adamax: g' = g + λw; m = β1 m + (1-β1) g'; u = max(β2 u, |g'| + ε); w -= η/(1-β1^t) · m/u.</summary>
internal sealed class AdamaxRule(float beta1, float beta2, float epsilon, float weightDecay) : ReferenceRule
{
    public static AdamaxRule Random(SeededRandom r) => new(
        Pick(r, 0f, 0.5f, 0.9f, 0.9f, 0.99f * r.NextSingle()),
        Pick(r, 0f, 0.9f, 0.999f, 0.999f, 0.999f * r.NextSingle()),
        Pick(r, 1e-8f, 1e-8f, 1e-6f, 1e-3f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"Adamax(beta1 {beta1:R}, beta2 {beta2:R}, epsilon {epsilon:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new Adamax(n, beta1, beta2, epsilon, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        float amplitude = Pick(random, 1f, 0.01f, 10f);
        FillSymmetric(random, state[..n], amplitude);
        FillNonNegative(random, state[n..], amplitude);
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double b1 = beta1, b2 = beta2, eps = epsilon, lambda = weightDecay;
        double stepSize = lr / (1 - Math.Pow(b1, t));                      // η / (1 - β1^t)
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double conditionG = Math.Abs(g[i]) + lambda * Math.Abs(w[i]);
            double errorG = Gamma(2) * conditionG;
            double m = b1 * state[i] + (1 - b1) * gi;                       // m = β1 m + (1 - β1) g'
            double errorM = Gamma(4) * (b1 * Math.Abs(state[i]) + (1 - b1) * conditionG) + (1 - b1) * errorG;
            double scaled = b2 * state[n + i], magnitude = Math.Abs(gi) + eps;
            double u = Math.Max(scaled, magnitude);                         // u = max(β2 u, |g'| + ε)
            double errorU = Math.Max(Gamma(1) * scaled, Gamma(1) * magnitude + errorG);
            stateOut[i] = m;
            stateOut[n + i] = u;
            stateBound[i] = errorM + Floor;
            stateBound[n + i] = errorU + Floor;

            double update = stepSize * m / u;                               // η/(1-β1^t) · m / u
            wOut[i] = w[i] - update;
            double lowU = Math.Max(u - errorU, eps * (1 - Gamma(2)));
            double errorUpdate = stepSize * (errorM + Math.Abs(m) * errorU / u) / lowU + Gamma(3) * Math.Abs(update);
            wBound[i] = 2 * (errorUpdate + Gamma(2) * (Math.Abs(w[i]) + Math.Abs(update))) + Floor;
        }
    }
}

// --- NAdam -----------------------------------------------------------------------------------

/// <summary>torch.optim.NAdam: μ_t = β1 (1 - ½ 0.96^(tψ)); m, v as Adam; d = √(v/(1-β2^t)) + ε;
/// w -= η(1-μ_t)/(1-Π_{j≤t} μ_j) · g'/d + η μ_{t+1}/(1-Π_{j≤t+1} μ_j) · m/d.</summary>
internal sealed class NAdamRule(float beta1, float beta2, float epsilon, float momentumDecay, float weightDecay) : ReferenceRule
{
    public static NAdamRule Random(SeededRandom r) => new(
        Pick(r, 0f, 0.5f, 0.9f, 0.9f, 0.99f * r.NextSingle()),
        Pick(r, 0f, 0.9f, 0.999f, 0.999f, 0.999f * r.NextSingle()),
        Pick(r, 1e-8f, 1e-8f, 1e-6f, 1e-3f, 0.1f),
        Pick(r, 4e-3f, 4e-3f, 0f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"NAdam(beta1 {beta1:R}, beta2 {beta2:R}, epsilon {epsilon:R}, momentumDecay {momentumDecay:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new NAdam(n, beta1, beta2, epsilon, momentumDecay, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        float amplitude = Pick(random, 1f, 0.01f, 10f);
        FillSymmetric(random, state[..n], amplitude);
        FillNonNegative(random, state[n..], amplitude * amplitude);
    }

    public override double[] Scalars(Optimizer optimizer) => [((NAdam)optimizer).MomentumProduct];

    private static double Mu(double b1, double psi, long t) => b1 * (1 - 0.5 * Math.Pow(0.96, t * psi));

    public override void AssertScalars(Optimizer optimizer, long t)
    {
        double expected = ScalarsBefore[0] * Mu(beta1, momentumDecay, t);
        Assert.True(Math.Abs(((NAdam)optimizer).MomentumProduct - expected) <= 1e-14 * expected + 1e-300, $"{this}: momentum product after step {t}.");
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double b1 = beta1, b2 = beta2, eps = epsilon, lambda = weightDecay, eta = lr;
        double mu = Mu(b1, momentumDecay, t), muNext = Mu(b1, momentumDecay, t + 1);   // μ_t, μ_{t+1}
        double product = ScalarsBefore[0] * mu;                                        // Π_{j≤t} μ_j
        double gradientStep = eta * (1 - mu) / (1 - product);                          // η (1 - μ_t) / (1 - Π_{j≤t})
        double momentStep = eta * muNext / (1 - product * muNext);                     // η μ_{t+1} / (1 - Π_{j≤t+1})
        double rootCorrection = Math.Sqrt(1 - Math.Pow(b2, t));
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double conditionG = Math.Abs(g[i]) + lambda * Math.Abs(w[i]);
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
            double denominator = root / rootCorrection + eps;               // √(v / (1 - β2^t)) + ε
            double u1 = gradientStep * gi / denominator, u2 = momentStep * m / denominator;
            wOut[i] = w[i] - u1 - u2;

            double errorRoot = Math.Max(Math.Sqrt(v + errorV) - root, root - Math.Sqrt(Math.Max(0, v - errorV)));
            double errorDenominator = errorRoot / rootCorrection + Gamma(5) * denominator;
            double lowDenominator = Math.Max(denominator - errorDenominator, eps * (1 - Gamma(2)));
            double error1 = gradientStep * (errorG + Math.Abs(gi) * errorDenominator / denominator) / lowDenominator + Gamma(4) * Math.Abs(u1);
            double error2 = momentStep * (errorM + Math.Abs(m) * errorDenominator / denominator) / lowDenominator + Gamma(4) * Math.Abs(u2);
            wBound[i] = 2 * (error1 + error2 + Gamma(3) * (Math.Abs(w[i]) + Math.Abs(u1) + Math.Abs(u2))) + Floor;
        }
    }
}

// --- RAdam -----------------------------------------------------------------------------------

/// <summary>torch.optim.RAdam: m, v as Adam; ρ_∞ = 2/(1-β2) - 1, ρ_t = ρ_∞ - 2tβ2^t/(1-β2^t); for ρ_t &gt; 5
/// w -= η r_t √(1-β2^t)/(1-β1^t) · m/(√v + ε), else w -= η/(1-β1^t) · m.</summary>
internal sealed class RAdamRule(float beta1, float beta2, float epsilon, float weightDecay) : ReferenceRule
{
    public static RAdamRule Random(SeededRandom r) => new(
        Pick(r, 0f, 0.5f, 0.9f, 0.9f, 0.99f * r.NextSingle()),
        Pick(r, 0f, 0.9f, 0.999f, 0.999f, 0.99f, 0.999f * r.NextSingle()),
        Pick(r, 1e-8f, 1e-8f, 1e-6f, 1e-3f, 0.1f),
        Pick(r, 0f, 1e-4f, 0.01f, 0.3f));

    public override string ToString() => $"RAdam(beta1 {beta1:R}, beta2 {beta2:R}, epsilon {epsilon:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new RAdam(n, beta1, beta2, epsilon, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        float amplitude = Pick(random, 1f, 0.01f, 10f);
        FillSymmetric(random, state[..n], amplitude);
        FillNonNegative(random, state[n..], amplitude * amplitude);
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double b1 = beta1, b2 = beta2, eps = epsilon, lambda = weightDecay, eta = lr;
        double correction1 = 1 - Math.Pow(b1, t), correction2 = 1 - Math.Pow(b2, t);
        double rhoInfinity = 2 / (1 - b2) - 1;                                          // ρ_∞
        double rho = rhoInfinity - 2 * t * Math.Pow(b2, t) / correction2;               // ρ_t
        bool rectified = rho > 5;
        double rectification = rectified ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)) : 0;
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double conditionG = Math.Abs(g[i]) + lambda * Math.Abs(w[i]);
            double errorG = Gamma(2) * conditionG;
            double m = b1 * state[i] + (1 - b1) * gi;                       // m = β1 m + (1 - β1) g'
            double errorM = Gamma(4) * (b1 * Math.Abs(state[i]) + (1 - b1) * conditionG) + (1 - b1) * errorG;
            double v = b2 * state[n + i] + (1 - b2) * gi * gi;              // v = β2 v + (1 - β2) g'^2
            double errorV = Gamma(5) * (b2 * state[n + i] + (1 - b2) * gi * gi) + (1 - b2) * (2 * Math.Abs(gi) + errorG) * errorG;
            stateOut[i] = m;
            stateOut[n + i] = v;
            stateBound[i] = errorM + Floor;
            stateBound[n + i] = errorV + Floor;
            if (!rectified)
            {
                double plain = eta / correction1 * m;                       // η/(1-β1^t) · m
                wOut[i] = w[i] - plain;
                wBound[i] = 2 * (eta / correction1 * errorM + Gamma(3) * (Math.Abs(w[i]) + Math.Abs(plain))) + Floor;
                continue;
            }
            double step = eta * rectification * Math.Sqrt(correction2) / correction1;
            double root = Math.Sqrt(v);
            double denominator = root + eps;                                // √v + ε
            double update = step * m / denominator;
            wOut[i] = w[i] - update;
            double errorRoot = Math.Max(Math.Sqrt(v + errorV) - root, root - Math.Sqrt(Math.Max(0, v - errorV)));
            double errorDenominator = errorRoot + Gamma(2) * denominator;
            double lowDenominator = Math.Max(denominator - errorDenominator, eps * (1 - Gamma(2)));
            double errorUpdate = step * (errorM + Math.Abs(m) * errorDenominator / denominator) / lowDenominator + Gamma(4) * Math.Abs(update);
            wBound[i] = 2 * (errorUpdate + Gamma(2) * (Math.Abs(w[i]) + Math.Abs(update))) + Floor;
        }
    }
}

// --- Quickprop -------------------------------------------------------------------------------

/// <summary>Quickprop as FANN's fann_update_weights_quickprop, in the slope S = -(g + λw), with the zero-denominator
/// guard documented in QuickpropUpdate. Where a branch's comparison is within rounding of a tie, either branch is right
/// and the element's weight and step are not checked.</summary>
internal sealed class QuickpropRule(float maximumGrowth, float weightDecay) : ReferenceRule
{
    public static QuickpropRule Random(SeededRandom r) => new(Pick(r, 1.75f, 1.75f, 1.2f, 2.5f), Pick(r, 0f, 0f, 1e-4f, 0.01f));

    public override string ToString() => $"Quickprop(maximumGrowth {maximumGrowth:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => new Quickprop(n, maximumGrowth, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        // steps: mostly beyond ±0.001 (the quadratic branch), some within it and some exactly at ±0.001f
        for (int i = 0; i < n; i++) state[i] = random.NextInt32(8) switch { 0 => 0.001f, 1 => -0.001f, 2 => 1e-4f * random.NextSymmetric(1f), _ => random.NextSymmetric(0.5f) };
        FillSymmetric(random, state[n..], Pick(random, 1f, 0.01f));
        for (int i = n; i < 2 * n; i++)
        {
            if (random.NextInt32(10) == 0) state[i] = 0f;
        }
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double eps = lr, mu = maximumGrowth, lambda = weightDecay;
        double shrink = (float)(maximumGrowth / (1.0 + maximumGrowth));   // FANN's float shrink_factor
        for (int i = 0; i < n; i++)
        {
            double previousStep = state[i], previousSlope = state[n + i];
            double s = -(g[i] + lambda * w[i]);                                      // S = -(g + λ w)
            double errorS = lambda == 0 ? 0 : Gamma(2) * (Math.Abs(g[i]) + lambda * Math.Abs(w[i]));
            stateOut[n + i] = s;
            stateBound[n + i] = errorS + Floor;

            double linear = eps * s;                                                 // ε S
            double errorLinear = eps * errorS + Gamma(1) * Math.Abs(linear);
            double growth = mu * previousStep;                                       // μ Δ(t-1)
            double errorGrowth = Gamma(1) * Math.Abs(growth);
            double shrunk = shrink * previousSlope;                                  // shrink S(t-1)
            double errorShrunk = Gamma(1) * Math.Abs(shrunk);
            bool ambiguous = false;
            double next, errorNext;
            if (previousStep > 0.001 || previousStep < -0.001)
            {
                bool up = previousStep > 0;
                ambiguous |= Math.Abs(s) <= errorS && s != 0;                        // S > 0 (or < 0)
                bool linearTerm = up ? s > 0 : s < 0;
                ambiguous |= Math.Abs(s - shrunk) <= errorS + errorShrunk;           // S > shrink S(t-1) (or <)
                bool grow = up ? s > shrunk : s < shrunk;
                double curve, errorCurve;
                if (grow)
                {
                    (curve, errorCurve) = (growth, errorGrowth);                     // μ Δ(t-1)
                }
                else
                {
                    double denominator = previousSlope - s;                          // S(t-1) - S
                    double errorDenominator = errorS + Gamma(1) * Math.Abs(denominator);
                    if (Math.Abs(denominator) <= errorDenominator)
                    {
                        ambiguous |= denominator != 0 || errorS != 0;
                        (curve, errorCurve) = denominator == 0 ? (growth, errorGrowth) : (0, 0);   // the guard
                    }
                    else
                    {
                        curve = previousStep * s / denominator;                      // Δ(t-1) S / (S(t-1) - S)
                        double low = Math.Abs(denominator) - errorDenominator;
                        errorCurve = Math.Abs(previousStep) * (errorS + Math.Abs(s) * errorDenominator / Math.Abs(denominator)) / low + Gamma(2) * Math.Abs(curve);
                    }
                }
                next = (linearTerm ? linear : 0) + curve;
                errorNext = (linearTerm ? errorLinear : 0) + errorCurve + Gamma(1) * Math.Abs(next);
            }
            else
            {
                (next, errorNext) = (linear, errorLinear);                            // a gradient step
            }
            double moved = Math.Clamp(w[i] + next, -1500, 1500);                      // clamp(w + Δ, ±1500)
            stateOut[i] = next;
            wOut[i] = moved;
            if (ambiguous)
            {
                wBound[i] = stateBound[i] = double.PositiveInfinity;
                continue;
            }
            stateBound[i] = errorNext + Floor;
            wBound[i] = errorNext + Gamma(1) * (Math.Abs(w[i]) + Math.Abs(next)) + Floor;
        }
    }
}

// --- RPROP+ and iRPROP+ ----------------------------------------------------------------------

/// <summary>RPROP+ and iRPROP+ (Igel and Hüsken 2000, Fig. 1 and 4) with the state (Δ, Δw(t-1)), the previous sign
/// being -sign(Δw(t-1)).</summary>
internal sealed class RpropPlusRule(bool improved, float increase, float decrease, float minStep, float maxStep, float initialStep, float weightDecay) : ReferenceRule
{
    private double previousLoss = double.PositiveInfinity;   // iRPROP+'s E(t-1), followed step by step

    public static RpropPlusRule Random(SeededRandom r, bool improved) => r.NextInt32(2) == 0
        ? new(improved, 1.2f, 0.5f, 1e-6f, 50f, 0.1f, Pick(r, 0f, 0f, 0.01f))
        : new(improved, 1.05f + r.NextSingle(), 0.1f + 0.8f * r.NextSingle(), Pick(r, 1e-6f, 1e-3f), Pick(r, 1f, 50f), Pick(r, 0.1f, 0.01f, 1e-3f), Pick(r, 0f, 1e-4f, 0.3f));

    public override string ToString() =>
        $"{(improved ? "IrpropPlus" : "RpropPlus")}(increase {increase:R}, decrease {decrease:R}, minStep {minStep:R}, maxStep {maxStep:R}, initialStep {initialStep:R}, weightDecay {weightDecay:R})";

    public override Optimizer Create(int n) => improved
        ? new IrpropPlus(n, increase, decrease, minStep, maxStep, initialStep, weightDecay)
        : new RpropPlus(n, increase, decrease, minStep, maxStep, initialStep, weightDecay);

    public override void RandomState(SeededRandom random, Span<float> state, int n)
    {
        for (int i = 0; i < n; i++)
        {
            int pick = random.NextInt32(8);
            state[i] = pick == 0 ? minStep : pick == 1 ? maxStep
                : Math.Clamp((float)(minStep * Math.Pow(maxStep / (double)minStep, random.NextDouble())), minStep, maxStep);
            // the last change: 0 (after a sign change) or ± a step size that was in bounds
            state[n + i] = random.NextInt32(3) switch { 0 => 0f, 1 => state[i], _ => -Math.Clamp(state[i] / 1.2f, minStep, maxStep) };
        }
    }

    public override double[] Scalars(Optimizer optimizer) => improved ? [((IrpropPlus)optimizer).PreviousLoss] : [];

    public override void AssertScalars(Optimizer optimizer, long t)
    {
        if (improved) Assert.Equal(Loss, ((IrpropPlus)optimizer).PreviousLoss);   // E(t) becomes E(t-1)
    }

    public override void Step(float[] w, float[] g, float[] state, long t, float lr, double[] wOut, double[] wBound, double[] stateOut, double[] stateBound)
    {
        int n = w.Length;
        double lambda = weightDecay;
        bool backtrack = !improved || Loss > (ScalarsBefore.Length > 0 ? ScalarsBefore[0] : previousLoss);   // iRPROP+: E(t) > E(t-1)
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + lambda * w[i];                               // g' = g + λ w
            double step = state[i], change = state[n + i];
            if (lambda != 0 && Math.Abs(gi) <= Gamma(2) * (Math.Abs(g[i]) + lambda * Math.Abs(w[i])))
            {
                wBound[i] = stateBound[i] = stateBound[n + i] = double.PositiveInfinity;   // sign(g') within rounding of 0
                wOut[i] = stateOut[i] = stateOut[n + i] = 0;
                continue;
            }
            double product = -Math.Sign(change) * Math.Sign(gi);             // sign(g'(t-1)) sign(g'(t))
            if (product > 0)
            {
                step = Math.Min(step * increase, maxStep);                  // Δ = min(Δ η+, Δmax)
                double taken = -Math.Sign(gi) * step;                       // Δw = -sign(g') Δ
                wOut[i] = w[i] + taken;
                stateOut[n + i] = taken;
                wBound[i] = Gamma(1) * step + Gamma(1) * (Math.Abs(w[i]) + step) + Floor;
                stateBound[n + i] = Gamma(1) * step;
            }
            else if (product < 0)
            {
                step = Math.Max(step * decrease, minStep);                  // Δ = max(Δ η-, Δmin)
                wOut[i] = backtrack ? w[i] - change : w[i];                 // w = w - Δw(t-1)  (iRPROP+: if E grew)
                wBound[i] = backtrack ? Gamma(1) * (Math.Abs(w[i]) + Math.Abs(change)) + Floor : 0;
                stateOut[n + i] = 0;                                        // g'(t) = 0
                stateBound[n + i] = 0;
            }
            else
            {
                double taken = -Math.Sign(gi) * step;                       // Δw = -sign(g') Δ
                wOut[i] = w[i] + taken;
                stateOut[n + i] = taken;
                wBound[i] = Gamma(1) * (Math.Abs(w[i]) + step) + Floor;
                stateBound[n + i] = 0;
            }
            stateOut[i] = step;
            stateBound[i] = product == 0 ? 0 : Gamma(1) * step;             // one rounding of Δ η
        }
        previousLoss = Loss;
    }
}
