using FastBackprop.Training;

namespace FastBackprop.Sweeps;

/// <summary>One optimizer a sweep tries: its name (for tables and results) and how to make a fresh instance for one
/// training, given the network's parameter count and the configuration's weight decay.</summary>
/// <param name="Name">The name shown in results, e.g. "adam"; not empty.</param>
/// <param name="Create">(parameterCount, weightDecay) → a new optimizer, or null for plain SGD (the trainer's fused
/// update). Called once per training, so no two trainings share an optimizer's state. The weight decay is the
/// optimizer's own weightDecay parameter (PyTorch's <c>weight_decay</c>: an L2 term added to the gradient for SGD, Adam
/// and the rest, decoupled for AdamW), exactly as <c>fastbackprop train --weight-decay</c> passes it.</param>
public sealed record SweepOptimizer(string Name, Func<int, float, Optimizer?> Create)
{
    /// <summary>The batch size this optimizer trains with, overriding <see cref="Sweep.Options"/>' (the full-batch
    /// methods: the whole training set); null keeps the sweep's.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The epochs this optimizer trains for, overriding <see cref="Sweep.Options"/>'; null keeps the sweep's.</summary>
    public int? Epochs { get; init; }

    /// <summary>Plain SGD (w -= eta · gradient); a weight decay above 0 makes it <see cref="Sgd"/> with that decay.</summary>
    public static SweepOptimizer PlainSgd { get; } = new("sgd", (n, decay) => decay > 0 ? new Sgd(n, weightDecay: decay) : null);

    /// <summary>SGD with momentum 0.9.</summary>
    public static SweepOptimizer Momentum { get; } = new("momentum", (n, decay) => new Sgd(n, 0.9f, weightDecay: decay));

    /// <summary>Adam with PyTorch's defaults (beta1 0.9, beta2 0.999, epsilon 1e-8), L2 weight decay.</summary>
    public static SweepOptimizer Adam { get; } = new("adam", (n, decay) => new Adam(n, weightDecay: decay));

    /// <summary>AdamW with PyTorch's defaults, decoupled weight decay.</summary>
    public static SweepOptimizer AdamW { get; } = new("adamw", (n, decay) => new AdamW(n, weightDecay: decay));

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}
