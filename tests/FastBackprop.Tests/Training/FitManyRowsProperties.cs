using FastBackprop.Data;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static FastBackprop.Tests.Training.TrainingSamples;

namespace FastBackprop.Tests.Training;

// ---------------------------------------------------------------------------------------------
// A job's rows are trained in place (DatasetRows over the row list) with exactly the bits of Fit
// on data.Subset(rows): same checks, same validation split (plain and stratified), same batches.
// FsCheck draws the row list (repeats allowed), the options and the seeds; a counterexample
// prints as one short record and replays from its seed.
// ---------------------------------------------------------------------------------------------

/// <summary>FitMany on rows against Fit on the subset of those rows, to the bit.</summary>
public class FitManyRowsProperties
{
    /// <summary>One drawn case: rows of the digits' training part (or of the regression set), and the options.</summary>
    public sealed record RowsCase(bool Digits, int[] Rows, int BatchSize, double ValidationFraction, bool Stratified, bool Adam, bool Weighted, ulong Seed)
    {
        public override string ToString() =>
            $"{(Digits ? "digits" : "regression")} rows [{string.Join(",", Rows)}] batch {BatchSize} validation {ValidationFraction} stratified {Stratified} adam {Adam} weighted {Weighted} seed {Seed}";

        public Dataset Data
        {
            get
            {
                Dataset data = Digits ? DigitsSplit().Train.Subset([.. Enumerable.Range(0, 120)]) : Regression();
                if (!Weighted) return data;
                var w = new float[data.Count];
                for (int i = 0; i < w.Length; i++) w[i] = 0.5f + i % 3;
                return data.WithWeights(w);
            }
        }

        public Network CreateNetwork()
        {
            Network network = Digits
                ? new Network(64, Loss.CrossEntropy, new Dense(8, TransferFunction.Tanh), new Dense(10, TransferFunction.Softmax))
                : new Network(3, Loss.HalfSquaredError, new Dense(6, TransferFunction.Tanh), new Dense(2, TransferFunction.Identity));
            network.InitializeWeights(Seed);
            return network;
        }

        public TrainingOptions Options(Network network) => new()
        {
            Epochs = 2,
            BatchSize = BatchSize,
            Seed = Seed,
            LearningRate = Adam ? 0.003f : 0.05f,
            Optimizer = Adam ? new Adam(network.Definition.ParameterCount) : null,
            ValidationFraction = ValidationFraction,
            StratifiedValidation = Stratified && Digits && ValidationFraction > 0,
            DegreeOfParallelism = 1,
        };
    }

    private static Arbitrary<RowsCase> Cases() =>
        (from digits in ArbMap.Default.GeneratorFor<bool>()
         from count in Gen.Choose(8, 60)
         from rows in Gen.Choose(0, 119).ArrayOf(count)
         from batch in Gen.Elements(1, 3, 8, 16)
         from fraction in Gen.Elements(0.0, 0.25, 0.4)
         from stratified in ArbMap.Default.GeneratorFor<bool>()
         from adam in ArbMap.Default.GeneratorFor<bool>()
         from weighted in ArbMap.Default.GeneratorFor<bool>()
         from seed in Gen.Choose(0, 1000)
         select new RowsCase(digits, rows, batch, fraction, stratified, adam, weighted, (ulong)seed)).ToArbitrary();

    [Property(MaxTest = 40)]
    public Property FitMany_OnRows_EqualsFit_OnTheSubset() =>
        Prop.ForAll(Cases(), c =>
        {
            Network alone = c.CreateNetwork();
            string expected = ManyTraining.DescribeFit(alone, c.Data.Subset(c.Rows), c.Options(alone));

            Network many = c.CreateNetwork();
            TrainingOutcome outcome = Trainer.FitMany([new TrainingJob(many, c.Data, c.Options(many), c.Rows)], 2, TestContext.Current.CancellationToken)[0];

            Assert.Equal(expected, ManyTraining.Describe(outcome));
        });

    [Property(MaxTest = 100)]
    public Property SplitRows_OfARowList_PicksTheRowsOfTheSubsetsSplit() =>
        Prop.ForAll(Cases(), c =>
        {
            Dataset data = DigitsSplit().Train.Subset([.. Enumerable.Range(0, 120)]);
            Dataset subset = data.Subset(c.Rows);
            double fraction = c.ValidationFraction + 0.1;
            var (first, second) = subset.SplitRows(fraction, c.Seed);
            Assert.Equal(Map(first, c.Rows), data.SplitRows(fraction, c.Seed, c.Rows).First);
            Assert.Equal(Map(second, c.Rows), data.SplitRows(fraction, c.Seed, c.Rows).Second);
            var (sFirst, sSecond) = subset.StratifiedSplitRows(fraction, c.Seed);
            Assert.Equal(Map(sFirst, c.Rows), data.StratifiedSplitRows(fraction, c.Seed, c.Rows).First);
            Assert.Equal(Map(sSecond, c.Rows), data.StratifiedSplitRows(fraction, c.Seed, c.Rows).Second);
        });

    private static int[] Map(int[] positions, int[] rows) => [.. positions.Select(p => rows[p])];
}
