namespace FastBackprop.Ensembles;

/// <summary>How an <see cref="Ensemble"/> combines its members' outputs.</summary>
public enum Voting
{
    /// <summary>The mean of the members' outputs (scikit-learn's VotingClassifier voting='soft' for probabilities,
    /// VotingRegressor for regression): each output summed over the members in member order in double, then divided by
    /// the member count and rounded to float once.</summary>
    Soft = 0,

    /// <summary>Majority vote of the members' predicted classes (each member's first largest output, as numpy's argmax;
    /// scikit-learn's voting='hard'). The ensemble's outputs are the vote shares (votes for c / member count) and its
    /// class is the one with the most votes, the lowest class index on a tie (numpy argmax of the vote counts, as
    /// scikit-learn does).</summary>
    Hard = 1,
}
