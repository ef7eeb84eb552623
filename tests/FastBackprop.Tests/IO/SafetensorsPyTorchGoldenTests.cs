using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.IO;

/// <summary>Files written from PyTorch 1.13 (Debian's python3-torch): <c>torch.manual_seed(0)</c>,
/// <c>nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))</c>, its state dict saved as safetensors (names sorted,
/// header padded with spaces to 8 bytes, metadata {"format": "pt"}, as safetensors.torch.save_file writes it; the
/// machine had no safetensors package, so json + struct wrote the same layout), once in float32 and once after
/// <c>model.to(torch.bfloat16)</c>. The reader must find PyTorch's exact weights, and Predict PyTorch's outputs.</summary>
public sealed class SafetensorsPyTorchGoldenTests
{
    private const string Float32File =
        "GAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCIwLmJpYXMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzRdLCJkYXRhX29mZnNldHMiOlswLDE2XX0sIjAud2VpZ2h0Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOls0LDNdLCJkYXRhX29mZnNldHMiOlsxNiw2NF19LCIyLmJpYXMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOls2NCw3Ml19LCIyLndlaWdodCI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiw0XSwiZGF0YV9vZmZzZXRzIjpbNzIsMTA0XX19vTMNv9bFw76EtXO+CDSvPOijjbsTk54+fkvzvsmL2b6xtGO+U4kePkBrO7x6Yeo+Qt1RvdJwHD6eqzK+6mvovUANpb0QtVg9YGlKPhibmT6Mja2+/PRevpj3OT5OlNQ+SL3SvVyRvz4=";

    private const string BFloat16File =
        "IAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCJ9LCIwLmJpYXMiOnsiZHR5cGUiOiJCRjE2Iiwic2hhcGUiOls0XSwiZGF0YV9vZmZzZXRzIjpbMCw4XX0sIjAud2VpZ2h0Ijp7ImR0eXBlIjoiQkYxNiIsInNoYXBlIjpbNCwzXSwiZGF0YV9vZmZzZXRzIjpbOCwzMl19LCIyLmJpYXMiOnsiZHR5cGUiOiJCRjE2Iiwic2hhcGUiOlsyXSwiZGF0YV9vZmZzZXRzIjpbMzIsMzZdfSwiMi53ZWlnaHQiOnsiZHR5cGUiOiJCRjE2Iiwic2hhcGUiOlsyLDRdLCJkYXRhX29mZnNldHMiOlszNiw1Ml19fSAgICAgICANv8S+dL6vPI67nz7zvtq+ZL4fPju86j5SvRw+M77ovaW9WT1KPpo+rr5fvjo+1T7TvcA+";

    // PyTorch's state dict in FastBackprop's parameter order (0.weight row by row, 0.bias, 2.weight, 2.bias), as torch printed it.
    private static readonly float[] Float32Parameters =
    [
        -0.004322517663240433f, 0.3097158372402191f, -0.4751853346824646f, -0.4248946011066437f, -0.2223689705133438f, 0.15482072532176971f,
        -0.011439144611358643f, 0.45777493715286255f, -0.05123639851808548f, 0.1527741253376007f, -0.1744827926158905f, -0.11348707973957062f,
        -0.55157071352005f, -0.3823687434196472f, -0.2379971146583557f, 0.021387115120887756f,
        0.19766759872436523f, 0.30001139640808105f, -0.3389705419540405f, -0.21773141622543335f, 0.18160855770111084f, 0.41519397497177124f,
        -0.10290008783340454f, 0.3741558790206909f, -0.08059167861938477f, 0.05290704965591431f,
    ];

    private static readonly float[] BFloat16Parameters =
    [
        -0.00433349609375f, 0.310546875f, -0.474609375f, -0.42578125f, -0.22265625f, 0.1552734375f, -0.01141357421875f, 0.45703125f,
        -0.05126953125f, 0.15234375f, -0.1748046875f, -0.11328125f, -0.55078125f, -0.3828125f, -0.23828125f, 0.0213623046875f,
        0.197265625f, 0.30078125f, -0.33984375f, -0.2177734375f, 0.181640625f, 0.416015625f, -0.10302734375f, 0.375f, -0.08056640625f, 0.052978515625f,
    ];

    private static readonly NetworkDefinition Definition = new(3, Loss.HalfSquaredError, new Dense(4, TransferFunction.Relu), new Dense(2, TransferFunction.Identity));

    private static readonly float[][] Inputs = [[0.5f, -1f, 2f], [-0.25f, 0.75f, 0.125f]];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Safetensors_PyTorchFile_LoadsPyTorchsWeightsAndOutputs(bool bfloat16)
    {
        byte[] bytes = Convert.FromBase64String(bfloat16 ? BFloat16File : Float32File);
        Model model = SafetensorsFile.Deserialize(bytes, "torch.safetensors", Definition);
        Assert.Equal(bfloat16 ? BFloat16Parameters : Float32Parameters, model.Network.Parameters.ToArray());
        Assert.Equal([3, 4, 2], WidthsOf(bytes));

        // model(x) in float32, as torch printed it (for the bfloat16 file, after .float()); the sums differ only in
        // their order, so within a few float32 roundings of 0.1.
        float[][] expected = bfloat16
            ? [[-0.09053528308868408f, 0.0701446533203125f], [-0.11486917734146118f, 0.04257925599813461f]]
            : [[-0.09045117348432541f, 0.0698498860001564f], [-0.11509525775909424f, 0.04243291914463043f]];
        var y = new float[2];
        for (int p = 0; p < Inputs.Length; p++)
        {
            model.Predict(Inputs[p], y);
            for (int k = 0; k < 2; k++) Assert.True(Math.Abs(y[k] - expected[p][k]) <= 1e-7, $"pattern {p} output {k}: {y[k]} vs PyTorch {expected[p][k]}");
        }
    }

    private static int[] WidthsOf(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastbackprop-golden-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            return SafetensorsFile.ReadLayerWidths(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
