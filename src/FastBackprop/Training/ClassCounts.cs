namespace FastBackprop.Training;

/// <summary>Per-class tallies of (label, prediction) pairs: how often each class is the label, the prediction, and
/// both; and the whole confusion matrix while it is small (see <see cref="Evaluation.MaxConfusionMatrixClasses"/>).
/// Memory grows with the class count, not its square.</summary>
internal sealed class ClassCounts(int classes)
{
    public int Classes { get; } = classes;

    public int[] Actual { get; } = new int[classes];

    public int[] Predicted { get; } = new int[classes];

    public int[] Correct { get; } = new int[classes];

    public int[,]? Matrix { get; } = classes <= Evaluation.MaxConfusionMatrixClasses ? new int[classes, classes] : null;

    public void Add(int label, int predicted)
    {
        Actual[label]++;
        Predicted[predicted]++;
        if (label == predicted) Correct[label]++;
        if (Matrix is not null) Matrix[label, predicted]++;
    }
}
