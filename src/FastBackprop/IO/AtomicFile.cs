using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace FastBackprop.IO;

// ---------------------------------------------------------------------------------------------
// AtomicFile: every file FastBackprop writes (models, checkpoints, and the CLI's pictures, reports
// and predictions) replaces its target all at once. The bytes go to a temporary file in the
// target's folder, named ".<name>.<pid>.<32 hex digits>.tmp", which is flushed to disk and renamed
// over the target: a crash or a full disk at any point leaves either the old file or the new one,
// never a mix. A process killed mid-save cannot delete its temporary file, so every save (and
// every CheckWritable) first removes the temporary files of this naming in its folder whose
// process is no longer running. Errors name the target, never the temporary file.
// ---------------------------------------------------------------------------------------------

/// <summary>Replaces files atomically (temporary file in the same folder, flush, rename) and
/// cleans up the temporary files that killed processes left behind.</summary>
internal static partial class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private delegate void Filler<T>(Stream stream, T content) where T : allows ref struct;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder does not let us create files.</exception>
    public static void Write(string path, ReadOnlySpan<byte> bytes) => Replace(path, bytes, static (stream, b) => stream.Write(b));

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.
    /// If <paramref name="write"/> throws, the old file stays as it was and the exception propagates.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Replace(path, write, static (stream, w) => w(stream));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> in UTF-8 (no byte order mark).</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Replace(path, text, static (stream, t) =>
        {
            using var writer = new StreamWriter(stream, Utf8, leaveOpen: true);
            writer.Write(t);
        });
    }

    /// <summary>Fails now as <see cref="Write(string, ReadOnlySpan{byte})"/> would fail later for a folder that
    /// cannot take the file: creates and removes an empty temporary file beside <paramref name="path"/>.
    /// The target itself is not touched.</summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder, or its folder cannot take a new file.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder does not let us create files.</exception>
    public static void CheckWritable(string path)
    {
        var replacement = new Replacement(path);
        if (Directory.Exists(replacement.Target)) throw new IOException($"cannot write {path}: it is a folder.");
        try
        {
            replacement.Open().Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw replacement.Explain(e);
        }
        finally
        {
            replacement.Discard();
        }
    }

    /// <summary>Deletes the temporary files of our naming in <paramref name="folder"/> whose process is no
    /// longer running; returns how many. Best effort: a file that cannot be deleted is left alone.</summary>
    internal static int RemoveStaleTemporaries(string folder)
    {
        int removed = 0;
        try
        {
            foreach (string file in Directory.EnumerateFiles(folder, ".*.tmp"))
            {
                Match match = TemporaryName().Match(Path.GetFileName(file));
                if (!match.Success || !int.TryParse(match.Groups["pid"].ValueSpan, out int pid) || IsRunning(pid)) continue;
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Someone else's file, or removed meanwhile: not ours to fight over.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable folder: the save itself reports what is wrong.
        }
        return removed;
    }

    /// <summary>The temporary file name a save of <paramref name="fileName"/> by process <paramref name="pid"/> uses.</summary>
    internal static string TemporaryName(string fileName, int pid) => $".{fileName}.{pid}.{Guid.NewGuid():N}.tmp";

    [GeneratedRegex(@"^\..+\.(?<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;   // another save of ours, in progress
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;   // no such process
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or NotSupportedException or UnauthorizedAccessException)
        {
            return true;    // cannot tell: keep the file
        }
    }

    private static void Replace<T>(string path, T content, Filler<T> fill) where T : allows ref struct
    {
        var replacement = new Replacement(path);
        RemoveStaleTemporaries(replacement.Folder);
        try
        {
            using (FileStream stream = replacement.Open())
            {
                fill(stream, content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(replacement.Temporary, replacement.Target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw replacement.Explain(e);
        }
        finally
        {
            replacement.Discard();
        }
    }

    /// <summary>One save: the target, its folder and the temporary file beside it.</summary>
    private sealed class Replacement
    {
        private readonly string path;

        public Replacement(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            this.path = path;
            Target = Path.GetFullPath(path);
            Folder = Path.GetDirectoryName(Target) ?? ".";
            Temporary = Path.Combine(Folder, TemporaryName(Path.GetFileName(Target), Environment.ProcessId));
        }

        public string Target { get; }

        public string Folder { get; }

        public string Temporary { get; }

        public FileStream Open() => new(Temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);

        /// <summary>The same failure, told about the user's path instead of the temporary file.</summary>
        public Exception Explain(Exception e)
        {
            // Creating the temporary file is the only step that can report a missing *file*: the folder
            // refuses new files (as /proc does), which the OS's "could not find file" would hide.
            string reason = e is FileNotFoundException
                ? $"the folder {Folder} does not accept new files"
                : e.Message.Replace(Temporary, Target, StringComparison.Ordinal);
            string message = $"cannot write {path}: {reason}";
            return e switch
            {
                UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
                DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
                _ => new IOException(message, e),
            };
        }

        public void Discard()
        {
            try
            {
                if (File.Exists(Temporary)) File.Delete(Temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next save in this folder to remove once this process has ended.
            }
        }
    }
}
