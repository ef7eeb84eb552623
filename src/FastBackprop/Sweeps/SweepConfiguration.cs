namespace FastBackprop.Sweeps;

/// <summary>One point of a sweep: the hyper-parameters of its trainings (one per seed of the space).</summary>
/// <param name="Index">Its number in the sweep, 0 to C-1, in the sweep's order (<see cref="SweepSpace.Grid"/> or
/// <see cref="SweepSpace.Random"/>); shards are cut by it (<see cref="SweepShard"/>).</param>
/// <param name="GridIndex">Its number in the grid's order (equal to <paramref name="Index"/> for a grid search).</param>
/// <param name="LearningRate">The learning rate eta.</param>
/// <param name="Width">Units per hidden layer.</param>
/// <param name="Depth">Hidden layers (0: inputs straight to outputs).</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="WeightDecay">The optimizer's weight decay (see <see cref="SweepOptimizer.Create"/>).</param>
public sealed record SweepConfiguration(int Index, int GridIndex, float LearningRate, int Width, int Depth, SweepOptimizer Optimizer, float WeightDecay);
