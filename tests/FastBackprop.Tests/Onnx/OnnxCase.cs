using FastBackprop.Data;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace FastBackprop.Tests.Onnx;

// ---------------------------------------------------------------------------------------------
// OnnxCase: a random model for the ONNX Runtime comparison. FsCheck draws the shape (depth 1-4,
// widths 1-20, every built-in transfer function, softmax outputs, dropout layers), the kinds of
// input and target scaling, the batch size and one seed; the numbers (weights, biases, scalings,
// raw input rows) come from SeededRandom, so a counterexample prints as one replayable line.
// ---------------------------------------------------------------------------------------------

/// <summary>One generated model and batch.</summary>
/// <param name="Definition">The network shape.</param>
/// <param name="Scaling">The kind of the stored input scaling, or null for none.</param>
/// <param name="TargetScaled">Whether the model has a target scaling (regression outputs).</param>
/// <param name="Rows">The batch size.</param>
/// <param name="Seed">Seed of every number.</param>
public sealed record OnnxCase(NetworkDefinition Definition, InputScalingKind? Scaling, bool TargetScaled, int Rows, ulong Seed)
{
    /// <summary>Every built-in element-wise function, the parameterised ones at a few parameters.</summary>
    public static TransferFunction[] Elementwise { get; } =
    [
        TransferFunction.Logistic, TransferFunction.Tanh, TransferFunction.Relu, TransferFunction.LeakyRelu(), TransferFunction.LeakyRelu(0.3f),
        TransferFunction.Identity, TransferFunction.Elu(), TransferFunction.Elu(0.5f), TransferFunction.Elu(1.7f), TransferFunction.Selu,
        TransferFunction.Softplus, TransferFunction.Gelu, TransferFunction.GeluTanh, TransferFunction.Silu, TransferFunction.Softsign,
        TransferFunction.HardTanh, TransferFunction.Elliott, TransferFunction.Gaussian, TransferFunction.Sine, TransferFunction.Exp,
    ];

    /// <summary>The model: weights from InitializeWeights, biases U(-0.5, 0.5), scalings from the seed.</summary>
    public Model CreateModel()
    {
        var network = new Network(Definition);
        network.InitializeWeights(Seed);
        var random = new SeededRandom(Seed ^ 0x0AA5_0AA5_0AA5_0AA5UL);
        for (int l = 0; l < Definition.LayerCount; l++)
        {
            foreach (ref float b in network.GetBiases(l)) b = random.NextSymmetric(0.5f);
        }
        InputScaling? scaling = null;
        if (Scaling is InputScalingKind kind)
        {
            var offset = new float[Definition.InputWidth];
            var scale = new float[Definition.InputWidth];
            for (int j = 0; j < offset.Length; j++)
            {
                offset[j] = random.NextSymmetric(50f);
                scale[j] = 1f / (0.05f + 20f * random.NextSingle());
            }
            scaling = new InputScaling(kind, offset, scale);
        }
        TargetScaling? target = null;
        if (TargetScaled)
        {
            var mean = new float[Definition.OutputWidth];
            var deviation = new float[Definition.OutputWidth];
            for (int k = 0; k < mean.Length; k++)
            {
                mean[k] = random.NextSymmetric(200f);
                deviation[k] = 0.01f + 80f * random.NextSingle();
            }
            target = new TargetScaling(mean, deviation);
        }
        return new Model(network, scaling, new Dictionary<string, string> { ["case"] = ToString() }) { TargetScaling = target };
    }

    /// <summary>Rows raw input rows: each maps to U(-2, 2) after the model's scaling (raw values spread over the
    /// scaling's range), or is U(-2, 2) itself without one.</summary>
    public float[] CreateRows(Model model)
    {
        var random = new SeededRandom(Seed ^ 0x5EED_5EED_5EED_5EEDUL);
        int width = Definition.InputWidth;
        var rows = new float[Rows * width];
        for (int i = 0; i < rows.Length; i++)
        {
            float z = random.NextSymmetric(2f);
            InputScaling? s = model.Scaling;
            rows[i] = s is null ? z : s.Offset[i % width] + z / s.Scale[i % width];
        }
        return rows;
    }

    /// <summary>One short replayable line.</summary>
    public override string ToString() =>
        $"{Definition} scaling={Scaling?.ToString() ?? "none"} target={TargetScaled} rows={Rows} seed={Seed}";

    /// <summary>Random cases: 1-4 dense layers of width 1-20 with any built-in function (softmax only as the output,
    /// over 2 or more units), dropout before a dense layer with probability 1/3.</summary>
    public static Arbitrary<OnnxCase> Arbitrary() =>
        (from depth in Gen.Choose(1, 4)
         from inputWidth in Gen.Choose(1, 20)
         from widths in Gen.Choose(1, 20).ArrayOf(depth)
         from functions in Gen.Elements(Elementwise).ArrayOf(depth)
         from softmax in Gen.Choose(0, 3)
         from dropout in Gen.Choose(0, 2).ArrayOf(depth)
         from scaling in Gen.Elements<InputScalingKind?>(null, InputScalingKind.MinMax, InputScalingKind.Standardization)
         from target in Gen.Elements(false, true)
         from rows in Gen.Elements(1, 1, 2, 3, 7, 16)
         from seed in NetworkGenerators.Seed
         select new OnnxCase(Build(inputWidth, widths, functions, softmax == 0, dropout), scaling, target, rows, seed)).ToArbitrary();

    private static NetworkDefinition Build(int inputWidth, int[] widths, TransferFunction[] functions, bool softmax, int[] dropout)
    {
        var layers = new List<Layer>();
        for (int l = 0; l < widths.Length; l++)
        {
            if (dropout[l] == 0) layers.Add(new Dropout(0.25f));
            bool last = l == widths.Length - 1;
            int width = last && softmax ? Math.Max(2, widths[l]) : widths[l];
            layers.Add(new Dense(width, last && softmax ? TransferFunction.Softmax : functions[l]));
        }
        return new NetworkDefinition(inputWidth, Loss.HalfSquaredError, [.. layers]);
    }
}
