using FastBackprop.Data;
using FastBackprop.Training;

namespace FastBackprop.IO;

/// <summary>A trained model as stored in a model file: the network (shape and parameters), the
/// input scaling that maps raw input rows (the numbers as a data file holds them) to the network's
/// inputs, and free-form text metadata (e.g. a training history summary).</summary>
/// <remarks>Build it from the training data, <c>new Model(network, train)</c>: the data's
/// <see cref="Dataset.Scaling"/> (a loader's fixed scaling, composed with any fitted
/// <see cref="InputScaling"/>) then travels with the network, and the model predicts correctly
/// from raw rows. There is deliberately no constructor that takes the network alone: a model
/// without a scaling must say so (<c>scaling: null</c>).</remarks>
public sealed class Model
{
    /// <summary>Bundles a network with the scaling of the data it was trained on
    /// (<paramref name="trainingData"/>.<see cref="Dataset.Scaling"/>, possibly none) and metadata.</summary>
    /// <param name="network">The trained network.</param>
    /// <param name="trainingData">The data the network was trained on (or any data prepared the same way).</param>
    /// <param name="metadata">Text metadata to store, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="trainingData"/> is null.</exception>
    /// <exception cref="ArgumentException">The data's input width differs from the network's, or its
    /// target width from the network's output width.</exception>
    public Model(Network network, Dataset trainingData, IReadOnlyDictionary<string, string>? metadata = null)
        : this(network, CheckShape(network, trainingData).Scaling, metadata)
    {
    }

    /// <summary>Bundles a network with an explicit scaling and metadata.</summary>
    /// <param name="network">The trained network.</param>
    /// <param name="scaling">The scaling from raw input rows to the network's inputs: the
    /// <see cref="Dataset.Scaling"/> of the training data, not only a scaling fitted on top of a
    /// loader's (which <see cref="InputScaling.Apply(Dataset)"/> composes into it); null when the
    /// network takes raw rows as they are.</param>
    /// <param name="metadata">Text metadata to store, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="scaling"/>'s width differs from the network's input width.</exception>
    public Model(Network network, InputScaling? scaling, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (scaling is not null) ThrowHelper.CheckLength(scaling.Width, network.Definition.InputWidth, "scaling.Width");
        Network = network;
        Scaling = scaling;
        Metadata = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
    }

    /// <summary>The network.</summary>
    public Network Network { get; }

    /// <summary>The scaling from raw input rows to the network's inputs, to apply before
    /// <see cref="Network.Predict(ReadOnlySpan{float}, Span{float})"/>, or null.</summary>
    public InputScaling? Scaling { get; }

    /// <summary>The standardisation of the regression targets the network was trained on, or null
    /// (classification, or targets used as they were). With it, the network's outputs are in
    /// standardised units: <see cref="Predict"/> and <see cref="Evaluate"/> map them back to the
    /// targets' own units. Set it with an initializer: <c>new Model(network, train) { TargetScaling = t }</c>.</summary>
    /// <exception cref="ArgumentException">Its width differs from the network's output width.</exception>
    public TargetScaling? TargetScaling
    {
        get => targetScaling;
        init
        {
            if (value is not null) ThrowHelper.CheckLength(value.Width, Network.Definition.OutputWidth, "TargetScaling.Width");
            targetScaling = value;
        }
    }

    private readonly TargetScaling? targetScaling;

    /// <summary>Text metadata stored with the model.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The data as this model's network takes it: raw data (<see cref="Dataset.Scaling"/>
    /// null) gets <see cref="Scaling"/> applied; data already scaled exactly as the model's training
    /// data was (the same loader, no further fit) is returned as it is.</summary>
    /// <param name="data">Raw data (for example <c>EmbeddedData.Digits(scaleToUnit: false)</c>, a CSV
    /// file, <c>Dataset.FromIdx(..., scaleToUnit: false)</c>), or data scaled like the training data.</param>
    /// <exception cref="ArgumentException">The input width differs from the network's; the data
    /// carries a scaling other than the model's (load it unscaled); or a scaled value overflows (an
    /// input far outside the range the model was trained on).</exception>
    public Dataset ScaleInputs(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.InputWidth, Network.Definition.InputWidth, "inputs", nameof(data));
        if (data.Scaling is null) return Scaling is null ? data : Scaling.Apply(data);
        if (data.Scaling.SameAs(Scaling)) return data;
        throw new ArgumentException(
            $"data is already scaled ({data.Scaling.Kind}) differently from the model's inputs ({Scaling?.Kind.ToString() ?? "no scaling"}); load it unscaled.",
            nameof(data));
    }

    /// <summary>The outputs for one raw input row: <see cref="Scaling"/> applied to the input, the
    /// network's forward pass, and <see cref="TargetScaling"/> inverted on the outputs, so a
    /// regression model answers in the targets' units. Like <see cref="Network.Predict(ReadOnlySpan{float}, Span{float})"/>,
    /// safe to call from several threads at once (not while the network trains; for that, serve from
    /// <see cref="CreatePredictor"/>); the scaled row lives in a per-thread scratch, allocated once per thread.</summary>
    /// <param name="input">One raw input row (the numbers as the data file holds them).</param>
    /// <param name="output">Receives the network's output width of values.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or a value is not finite (see
    /// <see cref="Network.Predict(ReadOnlySpan{float}, Span{float})"/>).</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        ThrowHelper.CheckLength(input.Length, Network.Definition.InputWidth, nameof(input));
        InferenceScratch scratch = InferenceScratch.Rent(Network.Definition);
        Predictor.PredictRow(Network, Scaling, TargetScaling, input, output, scratch);
        InferenceScratch.Return(scratch);
    }

    /// <summary>An immutable, thread-safe snapshot of this model for inference (see <see cref="Predictor"/>): the
    /// network's current parameters with <see cref="Scaling"/> and <see cref="TargetScaling"/>.</summary>
    public Predictor CreatePredictor() => new(this);

    /// <summary>Loss, accuracy and mean squared error of the model on <paramref name="data"/>, as
    /// <see cref="Trainer.Evaluate(Network, Dataset)"/> gives them, with the inputs scaled by
    /// <see cref="ScaleInputs"/>. With a <see cref="TargetScaling"/>, <see cref="Evaluation.Loss"/> is
    /// the network's loss on the standardised targets (the objective it was trained on) and
    /// <see cref="Evaluation.MeanSquaredError"/> is in the targets' own units: the outputs are
    /// mapped back (as <see cref="Predict"/> does) and compared with the targets of <paramref name="data"/>. With sample
    /// weights every figure is a weighted mean (see <see cref="Evaluation.WeightSum"/>).</summary>
    /// <param name="data">Raw data, or data scaled as the training data was (see <see cref="ScaleInputs"/>); raw targets.</param>
    /// <exception cref="ArgumentException">As for <see cref="ScaleInputs"/> and <see cref="Trainer.Evaluate(Network, Dataset)"/>;
    /// with a target scaling, also labelled data or a target far outside the fitted range.</exception>
    public Evaluation Evaluate(Dataset data)
    {
        Dataset scaled = ScaleInputs(data);
        if (TargetScaling is null) return Trainer.Evaluate(Network, scaled);
        Evaluation standardized = Trainer.Evaluate(Network, TargetScaling.Apply(scaled));
        return standardized.WithMeanSquaredError(MeanSquaredErrorInTargetUnits(scaled, TargetScaling));
    }

    // Mean of (y - d)^2 over patterns and outputs, y mapped back to target units, summed in double; with sample weights
    // the weighted mean Σ_p w_p Σ_k e² / (K Σ_p w_p), as Trainer.Evaluate weighs its figures.
    private double MeanSquaredErrorInTargetUnits(Dataset data, TargetScaling targets)
    {
        int width = Network.Definition.OutputWidth, batch = Math.Min(256, data.Count);
        using BatchWorkspace workspace = Network.CreateBatchWorkspace(batch);
        var y = new float[batch * width];
        ReadOnlySpan<float> weights = data.Weights;
        double sum = 0, weightSum = 0;
        for (int start = 0; start < data.Count; start += batch)
        {
            int count = Math.Min(batch, data.Count - start);
            Span<float> outputs = y.AsSpan(0, count * width);
            Network.PredictBatch(data.GetInputs(start, count), outputs, workspace);
            targets.InvertInPlace(outputs);
            ReadOnlySpan<float> d = data.GetTargets(start, count);
            for (int p = 0; p < count; p++)
            {
                double w = weights.IsEmpty ? 1 : weights[start + p], squares = 0;
                for (int k = p * width; k < (p + 1) * width; k++)
                {
                    double e = (double)outputs[k] - d[k];
                    squares += e * e;
                }
                sum += w * squares;
                weightSum += w;
            }
        }
        return sum / (weightSum * width);
    }

    private static Dataset CheckShape(Network network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.InputWidth, network.Definition.InputWidth, "inputs", "trainingData");
        CheckWidth(data.TargetWidth, network.Definition.OutputWidth, "targets", "trainingData");
        return data;
    }

    private static void CheckWidth(int actual, int expected, string what, string paramName)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has {actual} {what} per sample; the network has {expected}.", paramName);
        }
    }
}
