using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using Xunit;

namespace FastBackprop.Tests.Training;

/// <summary>What a user relies on beyond the equations: each optimizer minimises a convex quadratic, and a step
/// allocates nothing.</summary>
public class OptimizerBehaviourTests
{
    private const int N = 37;

    public static TheoryData<string> Kinds() => new("Sgd", "Momentum", "Nesterov", "Adam", "AdamW", "RmsProp", "Rprop",
        "AdaGrad", "Adamax", "NAdam", "RAdam", "Quickprop", "RpropPlus", "IrpropPlus");

    /// <summary>f(w) = ½ Σ a_i (w_i - c_i)², ∇f = a_i (w_i - c_i), a_i in [0.5, 2], c_i in [-1, 1], from w = 0.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_MinimisesQuadratic(string kind)
    {
        var random = new SeededRandom(12345);
        float[] a = new float[N], c = new float[N], w = new float[N], g = new float[N];
        for (int i = 0; i < N; i++)
        {
            a[i] = 0.5f + 1.5f * random.NextSingle();
            c[i] = random.NextSymmetric(1f);
        }
        (Optimizer optimizer, LearningRateSchedule schedule, int steps) = kind switch
        {
            "Sgd" => ((Optimizer)new Sgd(N), LearningRateSchedule.Constant(0.5f), 200),
            "Momentum" => (new Sgd(N, momentum: 0.9f), LearningRateSchedule.Constant(0.1f), 400),
            "Nesterov" => (new Sgd(N, momentum: 0.9f, nesterov: true), LearningRateSchedule.Constant(0.1f), 400),
            "Adam" => (new Adam(N), LearningRateSchedule.Cosine(0.05f, 1000), 1000),
            "AdamW" => (new AdamW(N, weightDecay: 1e-4f), LearningRateSchedule.Cosine(0.05f, 1000), 1000),
            "RmsProp" => (new RmsProp(N), LearningRateSchedule.Cosine(0.02f, 1000), 1000),
            "Rprop" => (new Rprop(N), LearningRateSchedule.Constant(0f), 200),
            "AdaGrad" => (new AdaGrad(N), LearningRateSchedule.Constant(0.5f), 1000),
            "Adamax" => (new Adamax(N), LearningRateSchedule.Cosine(0.05f, 1000), 1000),
            "NAdam" => (new NAdam(N), LearningRateSchedule.Cosine(0.05f, 1000), 1000),
            "RAdam" => (new RAdam(N), LearningRateSchedule.Cosine(0.05f, 1000), 1000),
            "Quickprop" => (new Quickprop(N), LearningRateSchedule.Constant(0.5f), 100),
            "RpropPlus" => (new RpropPlus(N), LearningRateSchedule.Constant(0f), 200),
            "IrpropPlus" => (new IrpropPlus(N), LearningRateSchedule.Constant(0f), 200),
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
        double initial = Loss(a, c, w);
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < N; i++) g[i] = a[i] * (w[i] - c[i]);
            OptimizerProperties.Step(optimizer, w, g, schedule.Rate(step), Loss(a, c, w));
        }
        double final = Loss(a, c, w);
        double worst = Enumerable.Range(0, N).Max(i => Math.Abs(w[i] - c[i]));
        Assert.True(final < 1e-6 * initial && worst < 2e-3, $"{kind}: loss {initial:E3} -> {final:E3}, max |w - c| = {worst:E3}.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_Step_AllocatesNothing(string kind)
    {
        const int n = 1003;
        Optimizer optimizer = kind switch
        {
            "Sgd" => new Sgd(n, weightDecay: 1e-4f),
            "Momentum" => new Sgd(n, momentum: 0.9f),
            "Nesterov" => new Sgd(n, momentum: 0.9f, nesterov: true),
            "Adam" => new Adam(n),
            "AdamW" => new AdamW(n),
            "RmsProp" => new RmsProp(n),
            "Rprop" => new Rprop(n),
            "AdaGrad" => new AdaGrad(n),
            "Adamax" => new Adamax(n),
            "NAdam" => new NAdam(n),
            "RAdam" => new RAdam(n),
            "Quickprop" => new Quickprop(n),
            "RpropPlus" => new RpropPlus(n),
            "IrpropPlus" => new IrpropPlus(n),
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
        float[] w = new float[n], g = new float[n];
        OptimizerProperties.Fill(new SeededRandom(5), g, 1f);
        for (int i = 0; i < 20; i++) OptimizerProperties.Step(optimizer, w, g, 0.01f, i % 3);       // warm-up: JIT, tiering

        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                OptimizerProperties.Step(optimizer, w, g, 0.01f, i % 3);
                GradientClipping.ClipByNorm(g, 10f);
            }
        });
        Assert.Equal(0, allocated);
    }

    /// <summary>The line-search and second-order rules allocate nothing per step either, once their work buffers exist
    /// (made at the first step), on a double-precision objective and on the trainer's network objective.</summary>
    [Theory]
    [InlineData("Lbfgs")]
    [InlineData("ScaledConjugateGradient")]
    [InlineData("LevenbergMarquardt")]
    public void ObjectiveOptimizer_Step_AllocatesNothing(string kind)
    {
        using var problem = new NetworkProblem(new SeededRandom(31));
        foreach (IObjective objective in new IObjective[] { new QuadraticObjective(new SeededRandom(3), 40), problem.Objective })
        {
            int n = objective.ParameterCount;
            Optimizer optimizer = kind switch
            {
                "Lbfgs" => new Lbfgs(n, maxIterations: 3),
                "ScaledConjugateGradient" => new ScaledConjugateGradient(n),
                _ => new LevenbergMarquardt(n),
            };
            float[] w = objective == problem.Objective ? problem.Network.Parameters.ToArray() : new float[n], g = new float[n];
            void Steps()
            {
                for (int i = 0; i < 5; i++) optimizer.Step(w, g, 1f, objective.Evaluate(w, g), objective);
            }
            Steps();   // warm-up: JIT, work buffers
            Assert.Equal(0, SteadyStateAllocation.Measure(Steps));
        }
    }

    private static double Loss(float[] a, float[] c, float[] w)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += 0.5 * a[i] * ((double)w[i] - c[i]) * ((double)w[i] - c[i]);
        return sum;
    }
}
