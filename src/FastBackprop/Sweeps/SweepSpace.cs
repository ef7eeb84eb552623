using static System.FormattableString;

namespace FastBackprop.Sweeps;

/// <summary>The values a sweep tries for each hyper-parameter, and the seeds each configuration is trained from.</summary>
/// <remarks>
/// <para>The grid is the Cartesian product of the lists in a fixed order, the last varying fastest:
/// depth, width, optimizer, weight decay, learning rate. So neighbouring configurations have the same network shape
/// (which lets many-network training pack them together) and grid index g decodes as a mixed-radix number whose last
/// digit is the learning rate. Each list's order is kept as given; duplicates are refused.</para>
/// <para>Seeds are not a dimension of the grid: every configuration is trained once per seed (seed s initialises the
/// weights and seeds the shuffling and the validation split, as <c>train --seed s</c> does), and its figures are the
/// mean and standard deviation over its seeds.</para>
/// </remarks>
public sealed record SweepSpace
{
    /// <summary>The most configurations a grid may have.</summary>
    public const int MaxGridSize = 1_000_000;

    /// <summary>Learning rates eta; each finite and greater than 0. Default: 0.01.</summary>
    public IReadOnlyList<float> LearningRates { get; init; } = [0.01f];

    /// <summary>Units per hidden layer; each at least 1. Default: 32.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [32];

    /// <summary>Hidden layer counts; each 0 to 16. Default: 1.</summary>
    public IReadOnlyList<int> Depths { get; init; } = [1];

    /// <summary>Optimizers, with distinct names. Default: Adam.</summary>
    public IReadOnlyList<SweepOptimizer> Optimizers { get; init; } = [SweepOptimizer.Adam];

    /// <summary>Weight decays; each finite, 0 or more. Default: 0.</summary>
    public IReadOnlyList<float> WeightDecays { get; init; } = [0f];

    /// <summary>Seeds each configuration is trained from; at least one. Default: 1.</summary>
    public IReadOnlyList<ulong> Seeds { get; init; } = [1UL];

    /// <summary>The most hidden layers a configuration may have.</summary>
    public const int MaxDepth = 16;

    /// <summary>The number of configurations of the grid (the product of the lists' lengths, seeds excluded).</summary>
    /// <exception cref="ArgumentException">A list is invalid (see <see cref="Validate"/>).</exception>
    public int GridSize
    {
        get
        {
            Validate();
            long size = (long)Depths.Count * Widths.Count * Optimizers.Count * WeightDecays.Count * LearningRates.Count;
            return (int)size;
        }
    }

    /// <summary>Checks every list: not empty, no duplicates, every value in range, the grid at most <see cref="MaxGridSize"/>.</summary>
    /// <exception cref="ArgumentException">Naming the list and the value.</exception>
    public void Validate()
    {
        Check(LearningRates, nameof(LearningRates), v => float.IsFinite(v) && v > 0, "finite and greater than 0");
        Check(Widths, nameof(Widths), v => v >= 1, "at least 1");
        Check(Depths, nameof(Depths), v => v is >= 0 and <= MaxDepth, $"0 to {MaxDepth}");
        Check(WeightDecays, nameof(WeightDecays), v => float.IsFinite(v) && v >= 0, "finite, 0 or more");
        Check(Seeds, nameof(Seeds), _ => true, "");
        ArgumentNullException.ThrowIfNull(Optimizers, nameof(Optimizers));
        string[] names = new string[Optimizers.Count];
        for (int i = 0; i < names.Length; i++)
        {
            SweepOptimizer o = Optimizers[i] ?? throw new ArgumentException($"Optimizers[{i}] is null.", nameof(Optimizers));
            if (string.IsNullOrWhiteSpace(o.Name)) throw new ArgumentException($"Optimizers[{i}] has no name.", nameof(Optimizers));
            names[i] = o.Name;
        }
        Check(names, nameof(Optimizers), _ => true, "");
        long size = (long)Depths.Count * Widths.Count * Optimizers.Count * WeightDecays.Count * LearningRates.Count;
        if (size > MaxGridSize) throw new ArgumentException($"the grid has {size} configurations; at most {MaxGridSize} are allowed.", nameof(SweepSpace));
    }

    /// <summary>The configuration at grid index <paramref name="gridIndex"/> (see the order in the remarks), numbered
    /// <paramref name="index"/> in its sweep.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gridIndex"/> is outside [0, <see cref="GridSize"/>).</exception>
    public SweepConfiguration At(int gridIndex, int index)
    {
        int size = GridSize;
        if ((uint)gridIndex >= (uint)size) throw new ArgumentOutOfRangeException(nameof(gridIndex), gridIndex, $"gridIndex is {gridIndex}; expected 0 to {size - 1}.");
        return Decode(gridIndex, index);
    }

    // The mixed-radix decoding of a grid index, the learning rate its last digit (the lists are valid).
    private SweepConfiguration Decode(int gridIndex, int index)
    {
        int g = gridIndex;
        float rate = LearningRates[g % LearningRates.Count];
        g /= LearningRates.Count;
        float decay = WeightDecays[g % WeightDecays.Count];
        g /= WeightDecays.Count;
        SweepOptimizer optimizer = Optimizers[g % Optimizers.Count];
        g /= Optimizers.Count;
        int width = Widths[g % Widths.Count];
        g /= Widths.Count;
        return new SweepConfiguration(index, gridIndex, rate, width, Depths[g], optimizer, decay);
    }

    /// <summary>Grid search: every configuration, in grid order (Index = GridIndex).</summary>
    public IReadOnlyList<SweepConfiguration> Grid()
    {
        int size = GridSize;
        var all = new SweepConfiguration[size];
        for (int g = 0; g < size; g++) all[g] = Decode(g, g);
        return all;
    }

    /// <summary>Seeded random search: <paramref name="count"/> distinct configurations drawn uniformly from the grid
    /// (without replacement, as scikit-learn's ParameterSampler does when every parameter is a list), numbered in the
    /// order drawn. The same space, count and seed give the same configurations on every machine. A count above the
    /// grid's size draws the whole grid (in a random order), as ParameterSampler caps n_iter at the grid's size.</summary>
    /// <param name="count">Configurations to draw; at least 1.</param>
    /// <param name="seed">Seed of the draw (independent of <see cref="Seeds"/>, the trainings' seeds).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public IReadOnlyList<SweepConfiguration> Random(int count, ulong seed)
    {
        ThrowHelper.CheckAtLeast(count, 1, nameof(count));
        int size = GridSize;
        int n = Math.Min(count, size);
        var random = new SeededRandom(seed);
        var drawn = new SweepConfiguration[n];
        if (2L * n >= size)
        {
            // A large share of the grid: the first n of a Fisher-Yates shuffle of every index.
            int[] order = new int[size];
            for (int i = 0; i < size; i++) order[i] = i;
            for (int i = 0; i < n; i++)
            {
                int j = i + random.NextInt32(size - i);
                (order[i], order[j]) = (order[j], order[i]);
                drawn[i] = Decode(order[i], i);
            }
            return drawn;
        }
        // A small share: draw and redraw repeats (at most half the grid is taken, so each draw succeeds with p >= 1/2).
        var taken = new HashSet<int>();
        for (int i = 0; i < n; i++)
        {
            int g;
            do g = random.NextInt32(size);
            while (!taken.Add(g));
            drawn[i] = Decode(g, i);
        }
        return drawn;
    }

    private static void Check<T>(IReadOnlyList<T> values, string name, Func<T, bool> valid, string expected)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count == 0) throw new ArgumentException($"{name} is empty; give at least one value.", name);
        var seen = new HashSet<T>();
        for (int i = 0; i < values.Count; i++)
        {
            if (!valid(values[i])) throw new ArgumentException(Invariant($"{name}[{i}] is {values[i]}; expected {expected}."), name);
            if (!seen.Add(values[i])) throw new ArgumentException(Invariant($"{name}[{i}] is {values[i]}, which is already in the list; give each value once."), name);
        }
    }
}
