namespace FastBackprop.Data;

// ---------------------------------------------------------------------------------------------
// Sample weights and class weights, as scikit-learn defines them.
//
//   sample weight   one number w_p >= 0 per pattern; training and evaluation use the weighted
//                   mean Σ_p w_p E_p / Σ_p w_p over each batch (scikit-learn's sample_weight)
//   class weight    one number per class c, multiplied into the weight of every pattern of c
//                   (scikit-learn's class_weight: sample_weight x class_weight[y] when both are
//                   given); "balanced" is compute_class_weight's n_samples / (n_classes x count_c)
//
// A dataset without weights (the default) is trained exactly as before: every pattern weighs 1
// and no weighting pass runs at all.
// ---------------------------------------------------------------------------------------------

public sealed partial class Dataset
{
    /// <summary>Whether the samples carry weights (<see cref="Weights"/>).</summary>
    public bool HasWeights => weights is not null;

    /// <summary>One weight per sample (finite, &gt;= 0, not all 0), or an empty span when the dataset has none
    /// (every sample then weighs the same). <see cref="Training.Trainer.Fit"/> minimises, and
    /// <see cref="Training.Trainer.Evaluate(Network, Dataset)"/> reports, the weighted mean of the loss
    /// Σ_p w_p E_p / Σ_p w_p, as scikit-learn's <c>sample_weight</c> does; see <see cref="WithWeights"/>.</summary>
    public ReadOnlySpan<float> Weights => weights;

    /// <summary>A copy of this dataset (sharing its blocks) whose samples carry <paramref name="sampleWeights"/>
    /// (copied), replacing any weights it had.</summary>
    /// <remarks>
    /// <para>Meaning (scikit-learn's <c>sample_weight</c>): a mini-batch's loss is the weighted mean
    /// Σ_p w_p E_p / Σ_p w_p and its gradient that mean's gradient, so a pattern of weight 2 counts as two copies of
    /// it in its batch, and weights of all 1 train exactly as no weights. A batch whose weights sum to 0 makes no
    /// update at all (the step is skipped: no optimizer state moves). With a batch size of 1 (online training) there
    /// is no batch to average over: the step's gradient is w_p ∇E_p, as in scikit-learn's per-sample SGD, so that an
    /// epoch is, to first order in the learning rate, the epoch over the data with each pattern repeated w_p times;
    /// a weight of 0 skips the pattern.</para>
    /// <para>Evaluation (<see cref="Training.Trainer.Evaluate(Network, Dataset)"/>, validation, the epoch reports)
    /// reports the weighted loss, accuracy Σ_p w_p [right] / Σ_p w_p and mean squared error; the confusion counts
    /// stay counts of patterns.</para>
    /// <para>Weights carry over to <see cref="Subset"/>, <see cref="Split"/>, scaled copies and the batches Fit
    /// gathers.</para>
    /// </remarks>
    /// <param name="sampleWeights">One weight per sample: finite, 0 or more, and at least one greater than 0.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Count"/>, a weight is negative, NaN or infinite
    /// (the message names the sample), or every weight is 0.</exception>
    public Dataset WithWeights(ReadOnlySpan<float> sampleWeights)
    {
        CheckWeights(sampleWeights, Count, nameof(sampleWeights));
        return With(sampleWeights.ToArray());
    }

    /// <summary>This dataset without sample weights (every sample weighs the same).</summary>
    public Dataset WithoutWeights() => weights is null ? this : With(null);

    /// <summary>A copy of this classification dataset whose sample weights are multiplied by the weight of their
    /// class: w_p' = w_p x <paramref name="classWeights"/>[label_p], with w_p = 1 when the dataset has no weights
    /// (scikit-learn multiplies <c>sample_weight</c> by <c>class_weight[y]</c> the same way).</summary>
    /// <param name="classWeights">One weight per class (<see cref="ClassCount"/> of them): finite, 0 or more.</param>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    /// <exception cref="ArgumentException">The count is not <see cref="ClassCount"/>, a weight is negative, NaN or
    /// infinite (the message names the class), or the product leaves every sample with weight 0.</exception>
    public Dataset WithClassWeights(ReadOnlySpan<float> classWeights)
    {
        if (labels is null) throw new InvalidOperationException("Class weights need class labels; this dataset has explicit targets.");
        if (classWeights.Length != ClassCount)
        {
            throw new ArgumentException($"classWeights has {classWeights.Length} values; expected one per class, {ClassCount}.", nameof(classWeights));
        }
        for (int c = 0; c < classWeights.Length; c++)
        {
            if (!(float.IsFinite(classWeights[c]) && classWeights[c] >= 0))
            {
                throw new ArgumentException($"classWeights[{c}] (class {c}) is {classWeights[c]}; expected a finite number, 0 or more.", nameof(classWeights));
            }
        }

        var product = new float[Count];
        for (int p = 0; p < product.Length; p++) product[p] = (weights is null ? 1f : weights[p]) * classWeights[labels[p]];
        CheckWeights(product, Count, nameof(classWeights));
        return With(product);
    }

    /// <summary>scikit-learn's "balanced" class weights, <c>compute_class_weight("balanced", classes, y)</c>:
    /// weight_c = n_samples / (n_classes x count_c), where n_classes counts the classes that occur, so that every
    /// class weighs as much in total (n_samples / n_classes). Counts are of samples (not weighted by
    /// <see cref="Weights"/>, as in scikit-learn's <c>compute_class_weight</c> without <c>sample_weight</c>); a class
    /// with no sample gets 0 (it multiplies no sample's weight).</summary>
    /// <returns><see cref="ClassCount"/> weights, for <see cref="WithClassWeights"/>.</returns>
    /// <exception cref="InvalidOperationException">The dataset has no labels.</exception>
    public float[] BalancedClassWeights()
    {
        if (labels is null) throw new InvalidOperationException("Class weights need class labels; this dataset has explicit targets.");
        var counts = new long[ClassCount];
        foreach (int label in labels) counts[label]++;
        int present = 0;
        foreach (long n in counts) present += n > 0 ? 1 : 0;
        var balanced = new float[ClassCount];
        for (int c = 0; c < balanced.Length; c++) balanced[c] = counts[c] == 0 ? 0f : (float)((double)Count / ((double)present * counts[c]));
        return balanced;
    }

    // The same samples with other weights (null: none).
    private Dataset With(float[]? newWeights) =>
        new(inputs, InputWidth, targets, TargetWidth, labels, ClassCount, Scaling, warnings, newWeights);

    /// <summary>Checks sample weights: <paramref name="count"/> of them, each finite and 0 or more, not all 0.</summary>
    internal static void CheckWeights(ReadOnlySpan<float> values, int count, string paramName)
    {
        if (values.Length != count)
        {
            throw new ArgumentException($"{paramName} has {values.Length} weights; expected one per sample, {count}.", paramName);
        }
        bool anyPositive = false;
        double sum = 0;
        for (int p = 0; p < values.Length; p++)
        {
            if (!(float.IsFinite(values[p]) && values[p] >= 0))
            {
                throw new ArgumentException($"{paramName}: the weight of sample {p} is {values[p]}; expected a finite number, 0 or more.", paramName);
            }
            anyPositive |= values[p] > 0;
            sum += values[p];
        }
        if (!anyPositive)
        {
            throw new ArgumentException($"{paramName}: every sample weight is 0; at least one must be greater than 0.", paramName);
        }
        // A step scales row p by w_p B / W in float, and sums W over a batch in float: with sum x count below float's
        // range neither can overflow, at any batch size.
        if (sum * count > float.MaxValue)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"{paramName}: the weights sum to {sum:G4}, too large for float arithmetic over {count} samples (sum x samples must stay below {float.MaxValue:G4}); divide them all by one number, which changes no weighted mean."), paramName);
        }
    }
}
