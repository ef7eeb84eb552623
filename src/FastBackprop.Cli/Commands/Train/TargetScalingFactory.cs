using FastBackprop.Data;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The target scalings --target-scaling offers. The scaling is fitted on the training part's
/// targets only, applied to the training and validation parts, and stored in the model, which maps
/// its outputs back to the targets' units in eval and predict.</summary>
internal static class TargetScalingFactory
{
    public const string Default = "auto";
    private const string Standard = "standard";
    private const string None = "none";

    public static IEnumerable<string> Names => [Default, Standard, None];

    public static string Description =>
        $"Regression targets: {Standard} (each target column standardised on the training part; the model stores its mean and standard deviation, " +
        $"and eval and predict answer in the targets' units), {None}, or {Default} ({Standard} for regression with an identity output and " +
        "an hse, mse, mae or huber loss, none otherwise). Never for classes, cross-entropy or Poisson.";

    /// <summary>The scaling <paramref name="name"/> asks for, fitted on <paramref name="training"/>, or null.</summary>
    public static TargetScaling? Fit(string name, string option, LoadedData loaded, Dataset training, NetworkDefinition definition) =>
        Wanted(name, option, loaded, definition) ? UserData.About(loaded.Source, () => TargetScaling.Fit(training)) : null;

    /// <summary>Whether <paramref name="name"/> standardises <paramref name="loaded"/>'s targets for this network (cv fits it per fold).</summary>
    /// <exception cref="UserException">standard for labelled data or a network whose targets are probabilities or counts.</exception>
    public static bool Wanted(string name, string option, LoadedData loaded, NetworkDefinition definition)
    {
        bool regression = !loaded.Data.HasLabels;
        if (name == Standard && !regression)
        {
            throw new UserException($"{option} {Standard}: {loaded.Source} has class labels; target scaling is for --regression data only.");
        }
        if (name == Standard && IsClassifierShape(definition))
        {
            throw new UserException($"{option} {Standard}: the network has a {definition.OutputLayer.Transfer} output with {definition.Loss} loss, whose targets are probabilities or counts; target scaling is for regression with targets of any sign.");
        }
        return name == Standard || (name == Default && regression && SuitsStandardization(definition));
    }

    // Softmax outputs, or a loss whose targets are bounded (cross-entropies: probabilities; Poisson: counts, at least 0):
    // standardised targets would take values those losses refuse.
    private static bool IsClassifierShape(NetworkDefinition definition) =>
        definition.Loss is CrossEntropyLoss or BinaryCrossEntropyLoss or PoissonLoss || definition.OutputLayer.Transfer == TransferFunction.Softmax;

    // Standardised targets take any sign and size: an identity output can reach them, and the squared and absolute
    // errors are the losses whose minimisers move with an affine map of the targets (Huber's delta is then in
    // standard deviations, the scale its default of 1 is meant for).
    private static bool SuitsStandardization(NetworkDefinition definition) =>
        definition.OutputLayer.Transfer == TransferFunction.Identity
        && definition.Loss is HalfSquaredErrorLoss or MeanSquaredErrorLoss or MeanAbsoluteErrorLoss or HuberLoss;
}
