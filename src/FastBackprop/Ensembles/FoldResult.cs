using FastBackprop.IO;
using FastBackprop.Training;

namespace FastBackprop.Ensembles;

/// <summary>One fold of a <see cref="CrossValidation.Run"/>: which rows it held out, the network trained on the others,
/// and that network's metrics on the held-out rows.</summary>
public sealed class FoldResult
{
    internal FoldResult(int fold, int[] testRows, int[] trainingRows, Model model, TrainingOutcome outcome, Evaluation? evaluation)
    {
        Fold = fold;
        TestRows = testRows;
        TrainingRows = trainingRows;
        Model = model;
        History = outcome.History;
        Failure = outcome.Failure;
        Evaluation = evaluation;
    }

    /// <summary>The fold's index, from 0.</summary>
    public int Fold { get; }

    /// <summary>The rows held out and evaluated, ascending.</summary>
    public IReadOnlyList<int> TestRows { get; }

    /// <summary>The rows trained on (every other fold's), ascending.</summary>
    public IReadOnlyList<int> TrainingRows { get; }

    /// <summary>The fold's trained network with the input and target scalings fitted on its training rows (or the data's
    /// own <see cref="Data.Dataset.Scaling"/>), ready to save or to predict from raw rows.</summary>
    public Model Model { get; }

    /// <summary>What <see cref="Trainer.Fit"/> returned for the fold; null when its training failed.</summary>
    public TrainingHistory? History { get; }

    /// <summary>Why the fold's training failed (e.g. a <see cref="TrainingDivergedException"/>); null when it succeeded.</summary>
    public Exception? Failure { get; }

    /// <summary>The trained network on the held-out rows (loss, accuracy or mean squared error, as <see cref="Model.Evaluate"/>
    /// gives them); null when the training failed.</summary>
    public Evaluation? Evaluation { get; }
}
