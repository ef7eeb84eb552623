using FastBackprop.IO;
using FastBackprop.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace FastBackprop.Tests.Onnx;

/// <summary>Runs exported models in ONNX Runtime (the CPU package, the runtime's default graph optimisations, one
/// thread), and the same rows through <see cref="Model.Predict"/>.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The ONNX bytes <see cref="OnnxExport.Write"/> gives for <paramref name="model"/>.</summary>
    public static byte[] Export(Model model)
    {
        using var stream = new MemoryStream();
        OnnxExport.Write(model, stream);
        return stream.ToArray();
    }

    /// <summary>The "output" of the ONNX model for <paramref name="rows"/> (row-major, <paramref name="inputWidth"/> per
    /// row), run as one batch.</summary>
    public static float[] Run(byte[] onnx, float[] rows, int inputWidth)
    {
        using var options = Options();
        using var session = new InferenceSession(onnx, options);
        return Run(session, rows, inputWidth);
    }

    /// <summary>As <see cref="Run(byte[], float[], int)"/>, for a model read from <paramref name="path"/>.</summary>
    public static float[] Run(string path, float[] rows, int inputWidth)
    {
        using var options = Options();
        using var session = new InferenceSession(path, options);
        return Run(session, rows, inputWidth);
    }

    /// <summary>Model.Predict on each row, laid end to end.</summary>
    public static float[] Predict(Model model, float[] rows)
    {
        int inputs = model.Network.Definition.InputWidth, outputs = model.Network.Definition.OutputWidth;
        int count = rows.Length / inputs;
        var result = new float[count * outputs];
        for (int p = 0; p < count; p++) model.Predict(rows.AsSpan(p * inputs, inputs), result.AsSpan(p * outputs, outputs));
        return result;
    }

    private static SessionOptions Options() => new() { IntraOpNumThreads = 1, InterOpNumThreads = 1 };

    private static float[] Run(InferenceSession session, float[] rows, int inputWidth)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(rows, [rows.Length / inputWidth, inputWidth]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input"], [input], ["output"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
