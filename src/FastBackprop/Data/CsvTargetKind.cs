namespace FastBackprop.Data;

/// <summary>What the target columns of a CSV file hold (see <see cref="CsvOptions.TargetKind"/>).</summary>
public enum CsvTargetKind
{
    /// <summary>One column of whole-number class labels; targets become their one-hot codes.</summary>
    Classification,

    /// <summary>One or more columns of real-valued targets, used as they are.</summary>
    Regression,
}
