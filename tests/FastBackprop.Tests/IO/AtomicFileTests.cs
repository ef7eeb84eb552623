using System.Diagnostics;
using FastBackprop.IO;
using Xunit;

namespace FastBackprop.Tests.IO;

/// <summary>AtomicFile: a failed write leaves the old file whole and no temporary file; stale
/// temporaries of dead processes are removed on the next save; errors name the target.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-atomicfile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Write_FailingHalfway_KeepsTheOldFileAndLeavesNoTemporary()
    {
        string path = Path.Combine(folder, "picture.png");
        AtomicFile.Write(path, [1, 2, 3]);
        var failure = new IOException("No space left on device");
        IOException thrown = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([9, 9, 9, 9, 9]);
            throw failure;   // a full disk in the middle of the picture
        }));
        Assert.Same(failure, thrown.InnerException);
        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public void WriteAllText_ReplacesTheWholeFile_WithoutByteOrderMark()
    {
        string path = Path.Combine(folder, "out.csv");
        AtomicFile.WriteAllText(path, "a much longer first version\n");
        AtomicFile.WriteAllText(path, "class\n3\n");
        Assert.Equal("class\n3\n"u8.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_RemovesStaleTemporariesOfDeadProcesses_Only()
    {
        int dead = DeadProcessId();
        string stale = Path.Combine(folder, $".model.fbp.{dead}.{Guid.NewGuid():N}.tmp");
        string ours = Path.Combine(folder, $".model.fbp.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string other = Path.Combine(folder, ".model.fbp.tmp");   // not our naming
        foreach (string file in (string[])[stale, ours, other]) File.WriteAllText(file, "x");

        AtomicFile.Write(Path.Combine(folder, "other.fbp"), [7]);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(ours));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public void CheckWritable_NamesTheTarget_NeverTheTemporaryFile()
    {
        string missing = Path.Combine(folder, "no-such-folder", "m.fbp");
        DirectoryNotFoundException e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.CheckWritable(missing));
        Assert.StartsWith($"cannot write {missing}: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", e.Message, StringComparison.Ordinal);

        IOException folderTarget = Assert.Throws<IOException>(() => AtomicFile.CheckWritable(folder));
        Assert.Contains("it is a folder", folderTarget.Message, StringComparison.Ordinal);

        string fine = Path.Combine(folder, "fine.fbp");
        AtomicFile.CheckWritable(fine);
        Assert.Empty(Directory.GetFileSystemEntries(folder));   // the probe leaves nothing, not even the target
    }

    [Fact]
    public void Write_IntoAFolderThatRefusesFiles_NamesTheTarget()
    {
        Assert.SkipUnless(Directory.Exists("/proc/self"), "needs Linux /proc, a folder where even root cannot create files");
        IOException e = Assert.Throws<IOException>(() => AtomicFile.Write("/proc/model.fbp", [1]));
        Assert.Equal("cannot write /proc/model.fbp: the folder /proc does not accept new files", e.Message);
    }

    private static int DeadProcessId()
    {
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd.exe", "/c exit") : new ProcessStartInfo("/bin/sh", "-c exit");
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.Id;
    }
}
