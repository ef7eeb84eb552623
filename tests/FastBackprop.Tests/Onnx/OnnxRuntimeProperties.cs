using FastBackprop.IO;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Onnx;

// ---------------------------------------------------------------------------------------------
// Every exported model, run by ONNX Runtime (CPU) on raw input rows, gives Model.Predict's outputs
// within the derived float32 bound of OnnxErrorBound, on random networks of every built-in transfer
// function, with and without input scaling of each kind, target scaling and dropout, in batches of
// 1 to 16 rows.
// ---------------------------------------------------------------------------------------------

/// <summary>ONNX Runtime against Model.Predict on random models.</summary>
public sealed class OnnxRuntimeProperties
{
    [Property(MaxTest = 150)]
    public Property Export_RunInOnnxRuntime_MatchesPredict() =>
        Prop.ForAll(OnnxCase.Arbitrary(), c =>
        {
            Model model = c.CreateModel();
            float[] rows = c.CreateRows(model);
            float[] expected;
            try
            {
                expected = OnnxRuntimeRunner.Predict(model, rows);
            }
            catch (ArgumentException e) when (e.Message.Contains("infinity", StringComparison.Ordinal))
            {
                return new Action(() => { }).When(false);   // exp of exp overflowed: Predict refuses such a row
            }
            float[] actual = OnnxRuntimeRunner.Run(OnnxRuntimeRunner.Export(model), rows, c.Definition.InputWidth);
            return new Action(() => AssertWithinBound(model, rows, expected, actual, c.ToString()))
                .When(true).Classify(c.Rows > 1, "batch").Classify(model.Scaling is not null, "input scaling");
        });

    /// <summary>|actual - expected| within OnnxErrorBound for every output of every row; the message names the case,
    /// the row, the output, both values and the bound.</summary>
    internal static double AssertWithinBound(Model model, float[] rows, float[] expected, float[] actual, string what)
    {
        int inputs = model.Network.Definition.InputWidth, outputs = model.Network.Definition.OutputWidth;
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int p = 0; p < rows.Length / inputs; p++)
        {
            double[] bound = OnnxErrorBound.ForRow(model, rows.AsSpan(p * inputs, inputs));
            for (int k = 0; k < outputs; k++)
            {
                double difference = Math.Abs((double)actual[p * outputs + k] - expected[p * outputs + k]);
                worst = Math.Max(worst, difference);
                Assert.True(difference <= bound[k],
                    $"{what}: row {p} output {k}: ONNX Runtime {actual[p * outputs + k]:R}, Predict {expected[p * outputs + k]:R}, |difference| {difference:E3} > bound {bound[k]:E3}");
            }
        }
        return worst;
    }
}
