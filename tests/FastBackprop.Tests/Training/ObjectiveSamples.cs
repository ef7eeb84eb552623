using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.Tests.Training;

/// <summary>E(w) = ½ Σ_i a_i (w_i - c_i)² + ½ b (Σ_i v_i w_i)², in double (the gradient rounded to float once): convex,
/// with a rank-one coupling so that its Hessian is not diagonal.</summary>
internal sealed class QuadraticObjective : IGaussNewtonObjective
{
    private readonly double[] a, c, v;
    private readonly double b;

    public QuadraticObjective(SeededRandom random, int n)
    {
        a = new double[n];
        c = new double[n];
        v = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = Math.Pow(10, 2 * random.NextDouble() - 1);   // curvatures 0.1 .. 10
            c[i] = random.NextSymmetric(2f);
            v[i] = random.NextSymmetric(1f);
        }
        b = random.NextDouble();
    }

    public int ParameterCount => a.Length;

    public double Evaluate(ReadOnlySpan<float> w, Span<float> gradient)
    {
        double coupling = 0, e = 0;
        for (int i = 0; i < a.Length; i++) coupling += v[i] * w[i];
        for (int i = 0; i < a.Length; i++) e += 0.5 * a[i] * (w[i] - c[i]) * (w[i] - c[i]);
        e += 0.5 * b * coupling * coupling;
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(a[i] * (w[i] - c[i]) + b * coupling * v[i]);
        return e;
    }

    /// <summary>The Hessian, which is also its Gauss-Newton matrix (residuals √a_i (w_i - c_i) and √b Σ v_i w_i).</summary>
    public double EvaluateGaussNewton(ReadOnlySpan<float> w, Span<double> packed, Span<double> gradient)
    {
        int n = a.Length;
        double coupling = 0;
        for (int i = 0; i < n; i++) coupling += v[i] * w[i];
        for (int i = 0; i < n; i++)
        {
            gradient[i] = a[i] * (w[i] - c[i]) + b * coupling * v[i];
            for (int j = 0; j <= i; j++) packed[i * (i + 1) / 2 + j] = (i == j ? a[i] : 0) + b * v[i] * v[j];
        }
        return Evaluate(w, []);
    }
}

/// <summary>The extended Rosenbrock function as least squares (Moré, Garbow and Hillstrom 1981, problem 21): residuals
/// r_2i = 10 (w_2i+1 - w_2i²), r_2i+1 = 1 - w_2i; E = ½ Σ r². Its valley makes Levenberg-Marquardt reject steps and
/// raise mu. All in double.</summary>
internal sealed class RosenbrockResiduals(int n) : IGaussNewtonObjective
{
    public int ParameterCount => n;

    public double Evaluate(ReadOnlySpan<float> w, Span<float> gradient)
    {
        double e = 0;
        if (!gradient.IsEmpty) gradient.Clear();
        for (int i = 0; i + 1 < n; i += 2)
        {
            double r0 = 10 * (w[i + 1] - (double)w[i] * w[i]), r1 = 1 - (double)w[i];
            e += 0.5 * (r0 * r0 + r1 * r1);
            if (gradient.IsEmpty) continue;
            gradient[i] = (float)(r0 * (-20 * (double)w[i]) - r1);
            gradient[i + 1] = (float)(10 * r0);
        }
        return e;
    }

    public double EvaluateGaussNewton(ReadOnlySpan<float> w, Span<double> packed, Span<double> gradient)
    {
        packed.Clear();
        gradient.Clear();
        double e = 0;
        for (int i = 0; i + 1 < n; i += 2)
        {
            double r0 = 10 * (w[i + 1] - (double)w[i] * w[i]), r1 = 1 - (double)w[i];
            e += 0.5 * (r0 * r0 + r1 * r1);
            // J rows: r0: (-20 w_i, 10), r1: (-1, 0)
            double j0 = -20 * (double)w[i];
            packed[i * (i + 1) / 2 + i] = j0 * j0 + 1;
            packed[(i + 1) * (i + 2) / 2 + i] = j0 * 10;
            packed[(i + 1) * (i + 2) / 2 + i + 1] = 100;
            gradient[i] = j0 * r0 - r1;
            gradient[i + 1] = 10 * r0;
        }
        if (n % 2 == 1) packed[^1] = 0;
        return e;
    }
}

/// <summary>Records every evaluation of an objective: the point, the value and the gradient (empty when not asked for).</summary>
internal sealed class RecordingObjective(IObjective inner) : IGaussNewtonObjective
{
    public List<(float[] Point, double Value, float[] Gradient)> Evaluations { get; } = [];

    public int GaussNewtonCalls { get; private set; }

    public int ParameterCount => inner.ParameterCount;

    public double Evaluate(ReadOnlySpan<float> parameters, Span<float> gradient)
    {
        double value = inner.Evaluate(parameters, gradient);
        Evaluations.Add((parameters.ToArray(), value, gradient.ToArray()));
        return value;
    }

    public double EvaluateGaussNewton(ReadOnlySpan<float> parameters, Span<double> packedMatrix, Span<double> gradient)
    {
        GaussNewtonCalls++;
        return ((IGaussNewtonObjective)inner).EvaluateGaussNewton(parameters, packedMatrix, gradient);
    }
}

/// <summary>A random small network (1 or 2 smooth hidden layers) and 3 to 20 random patterns, with the trainer's objective
/// over all of them (<see cref="BatchObjective"/>).</summary>
internal sealed class NetworkProblem : IDisposable
{
    private readonly BatchWorkspace workspace;

    public NetworkProblem(SeededRandom random, bool allowCrossEntropy = true)
    {
        int inputs = 1 + random.NextInt32(4), outputs = 1 + random.NextInt32(3), patterns = 3 + random.NextInt32(18);
        var layers = new List<Layer>();
        for (int h = 0, hidden = 1 + random.NextInt32(2); h < hidden; h++)
        {
            layers.Add(new Dense(1 + random.NextInt32(6), random.NextInt32(2) == 0 ? TransferFunction.Tanh : TransferFunction.Logistic));
        }
        int kind = allowCrossEntropy ? random.NextInt32(4) : random.NextInt32(2);
        Loss loss = kind < 2 ? Loss.HalfSquaredError : Loss.CrossEntropy;
        if (kind == 2 && outputs == 1) outputs = 2;   // softmax needs two classes to be more than a constant
        layers.Add(new Dense(outputs, kind switch
        {
            0 => TransferFunction.Identity,
            1 or 3 => TransferFunction.Logistic,
            _ => TransferFunction.Softmax,
        }));
        Network = new Network(inputs, loss, [.. layers]);
        Network.InitializeWeights(random.NextUInt64());
        var x = new float[patterns][];
        var d = new float[patterns][];
        for (int p = 0; p < patterns; p++)
        {
            x[p] = new float[inputs];
            d[p] = new float[outputs];
            for (int i = 0; i < inputs; i++) x[p][i] = random.NextSymmetric(1f);
            if (kind == 2)
            {
                d[p][random.NextInt32(outputs)] = 1f;
            }
            else
            {
                for (int k = 0; k < outputs; k++) d[p][k] = kind == 0 ? random.NextSymmetric(1f) : random.NextSingle();
            }
        }
        Data = new Dataset(x, d);
        workspace = Network.CreateBatchWorkspace(patterns);
        Objective = new BatchObjective(Network, workspace);
        Objective.Bind(new Batch(Data.Inputs.ToArray(), Data.Targets.ToArray(), default, patterns));
    }

    public Network Network { get; }

    public Dataset Data { get; }

    public BatchObjective Objective { get; }

    public override string ToString() => $"{Network.Definition} on {Data.Count} patterns";

    public void Dispose() => workspace.Dispose();
}
