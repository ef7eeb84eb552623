using FastBackprop.Data;

namespace FastBackprop.Training;

/// <summary>One training of many (<see cref="Trainer.FitMany"/>): a network, the data it trains on and its options,
/// exactly the arguments of one <see cref="Trainer.Fit"/> call.</summary>
/// <remarks>The network is trained in place, so two jobs of one <see cref="Trainer.FitMany"/> call must not share a
/// network. Data sets and options may be shared: FitMany only reads them; but an optimizer holds state and a checkpoint
/// path names one file, so jobs whose options share either are refused too.</remarks>
public sealed class TrainingJob
{
    /// <summary>A job that trains <paramref name="network"/> on <paramref name="data"/> (or on its rows
    /// <paramref name="rows"/>) as <paramref name="options"/> say.</summary>
    /// <param name="network">The network, initialised; trained in place.</param>
    /// <param name="data">The data set.</param>
    /// <param name="options">The options, as for <see cref="Trainer.Fit"/>.</param>
    /// <param name="rows">The rows of <paramref name="data"/> to train on, in this order (repeats allowed: a bootstrap
    /// sample), read in place; null for every row. The job trains as Fit would on <c>data.Subset(rows)</c>, without the copy.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="rows"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A row is outside [0, data.Count).</exception>
    public TrainingJob(Network network, Dataset data, TrainingOptions options, int[]? rows = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (rows is not null)
        {
            if (rows.Length == 0) throw new ArgumentException("rows is empty; pass null to train on every row of data.", nameof(rows));
            for (int i = 0; i < rows.Length; i++)
            {
                if ((uint)rows[i] >= (uint)data.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(rows), rows[i], $"rows[{i}] is {rows[i]}, outside the data set's rows [0, {data.Count}).");
                }
            }
            rows = (int[])rows.Clone();   // the caller may reuse its array while the job waits
        }
        Network = network;
        Data = data;
        Options = options;
        Rows = rows;
    }

    /// <summary>The network trained in place.</summary>
    public Network Network { get; }

    /// <summary>The data set the rows are read from.</summary>
    public Dataset Data { get; }

    /// <summary>The options of the job's Fit.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The rows of <see cref="Data"/> trained on (a copy of the constructor's array), or null for every row.</summary>
    public IReadOnlyList<int>? Rows { get; }
}
