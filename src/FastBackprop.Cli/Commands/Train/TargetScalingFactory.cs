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
        "half-squared-error loss, none otherwise). Never for classes.";

    /// <summary>The scaling <paramref name="name"/> asks for, fitted on <paramref name="training"/>, or null.</summary>
    public static TargetScaling? Fit(string name, string option, LoadedData loaded, Dataset training, NetworkDefinition definition)
    {
        bool regression = !training.HasLabels;
        if (name == Standard && !regression)
        {
            throw new UserException($"{option} {Standard}: {loaded.Source} has class labels; target scaling is for --regression data only.");
        }
        if (name == Standard && IsClassifierShape(definition))
        {
            throw new UserException($"{option} {Standard}: the network has a {definition.OutputLayer.Transfer} output with {definition.Loss} loss, whose targets are class probabilities; target scaling is for regression only.");
        }
        bool wanted = name == Standard || (name == Default && regression && SuitsStandardization(definition));
        return wanted ? UserData.About(loaded.Source, () => TargetScaling.Fit(training)) : null;
    }

    // Softmax outputs or cross-entropy: the targets are probabilities (one-hot or a distribution), never standardised.
    private static bool IsClassifierShape(NetworkDefinition definition) =>
        definition.Loss == Loss.CrossEntropy || definition.OutputLayer.Transfer == TransferFunction.Softmax;

    // Standardised targets take any sign and size: an identity output can reach them, and half the
    // squared error is the loss whose minimiser is unchanged by an affine map of the targets.
    private static bool SuitsStandardization(NetworkDefinition definition) =>
        definition.OutputLayer.Transfer == TransferFunction.Identity && definition.Loss == Loss.HalfSquaredError;
}
