using FastBackprop.Cli.Tests.Support;

namespace FastBackprop.Cli.Tests;

/// <summary>Every user error: exit code 1 and one line on standard error naming the file or option and the problem.</summary>
public sealed class ErrorTests
{
    private static readonly Lazy<string> Folder = new(CreateFiles);

    private static string CreateFiles()
    {
        string folder = CliRunner.TempFolder();
        File.WriteAllBytes(Path.Combine(folder, "garbage.fbp"), [.. "not a model at all, just text"u8]);
        byte[] model = File.ReadAllBytes(TrainedModel.Path);
        File.WriteAllBytes(Path.Combine(folder, "truncated.fbp"), model[..(model.Length / 2)]);
        byte[] flipped = (byte[])model.Clone();
        flipped[flipped.Length / 3] ^= 0x10;
        File.WriteAllBytes(Path.Combine(folder, "flipped.fbp"), flipped);
        File.WriteAllText(Path.Combine(folder, "three.csv"), "1,2,3,0\n4,5,6,1\n7,8,9,0\n");
        File.WriteAllText(Path.Combine(folder, "bad.csv"), "1,2,3,0\n4,oops,6,1\n");
        File.WriteAllText(Path.Combine(folder, "narrow.csv"), "0.1,0.2,0.3\n");
        File.WriteAllText(Path.Combine(folder, "badcell.csv"), string.Join(',', Enumerable.Repeat("0.5", 63)) + ",x\n");
        Directory.CreateDirectory(Path.Combine(folder, "idx"));
        File.WriteAllBytes(Path.Combine(folder, "idx", "train-images-idx3-ubyte"), [0x12, 0x34, 0x08, 0x03, 0, 0, 0, 1]);
        File.WriteAllBytes(Path.Combine(folder, "idx", "train-labels-idx1-ubyte"), [0, 0, 0x08, 0x01, 0, 0, 0, 1, 3]);
        Directory.CreateDirectory(Path.Combine(folder, "empty"));
        return folder;
    }

    private static string F(string name) => Path.Combine(Folder.Value, name);

    public static TheoryData<string[], string> Cases() => new()
    {
        // invalid options
        { ["train", "--epochs", "0"], "--epochs is 0" },
        { ["train", "--epochs", "many"], "many" },
        { ["train", "--batch-size", "-3"], "--batch-size" },
        { ["train", "--validation", "1.5"], "--validation" },
        { ["train", "--threads", "0"], "--threads" },
        { ["train", "--optimizer", "magic"], "magic" },
        { ["train", "--learning-rate", "-1"], "--learning-rate" },
        { ["train", "--activation", "sine"], "--activation 'sine'" },
        { ["train", "--layers", "64,x,10"], "--layers" },
        { ["train", "--layers", "784,128,10"], "784 inputs" },
        { ["train", "--layers", "64,128,7"], "7 outputs" },
        { ["train", "--activation", "softmax"], "softmax" },
        { ["train", "--no-such-option"], "--no-such-option" },
        { ["no-such-command"], "no-such-command" },
        { ["eval"], "--model" },
        { ["predict"], "--model" },
        { ["gradcheck", "--networks", "0"], "--networks" },
        // missing files
        { ["eval", "--model", "/nonexistent/m.fbp"], "m.fbp" },
        { ["info", "--model", "missing.fbp"], "missing.fbp" },
        { ["train", "--data", "/nonexistent/data.csv"], "data.csv" },
        { ["train", "--out", "/nonexistent/folder/m.fbp", "--epochs", "1"], "/nonexistent/folder" },
        { ["eval", "--model", "{model}", "--plot", "/nonexistent/folder/c.png"], "/nonexistent/folder" },
        { ["bench", "--report", "/nonexistent/folder/b.json"], "/nonexistent/folder" },
        { ["bench", "--seconds", "0"], "--seconds" },
        // corrupt files
        { ["info", "--model", "{garbage.fbp}"], "garbage.fbp" },
        { ["eval", "--model", "{truncated.fbp}"], "truncated.fbp" },
        { ["eval", "--model", "{flipped.fbp}"], "flipped.fbp" },
        { ["train", "--data", "{bad.csv}"], "bad.csv, line 2" },
        { ["train", "--data", "{idx}"], "train-images-idx3-ubyte" },
        { ["train", "--data", "{empty}"], "no IDX pair" },
        // shape mismatches between model and data
        { ["eval", "--model", "{model}", "--data", "{three.csv}"], "three.csv has 3 inputs per sample, but the model" },
        { ["predict", "--model", "{model}", "--input", "{narrow.csv}"], "narrow.csv, line 1: 3 values" },
        { ["predict", "--model", "{model}", "--input", "{badcell.csv}"], "badcell.csv, line 1, column 64" },
        { ["predict", "--model", "{model}", "--input", "/nonexistent/rows.csv"], "rows.csv" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UserError_ExitsOneWithOneLine(string[] args, string expected)
    {
        string[] resolved = [.. args.Select(a => a == "{model}" ? TrainedModel.Path : a.StartsWith('{') ? F(a.Trim('{', '}')) : a)];
        string cwd = Environment.CurrentDirectory;
        CliResult result = CliRunner.Run(resolved);
        UserErrorAssert.OneLine(result, expected);
        Assert.Equal(cwd, Environment.CurrentDirectory);
        Assert.False(File.Exists(Path.Combine(cwd, "model.fbp")) && File.GetLastWriteTimeUtc(Path.Combine(cwd, "model.fbp")) > DateTime.UtcNow.AddSeconds(-30),
            "a failing run must not write the default model");
    }
}
