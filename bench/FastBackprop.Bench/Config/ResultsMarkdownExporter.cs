using System.Globalization;
using System.Text;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace FastBackprop.Bench.Config;

/// <summary>Writes the GitHub-markdown report of each summary to <c>bench/results/</c> of the
/// repository, named after the CPU model, the date and the benchmark class, so results from
/// different machines can be committed side by side. BenchmarkDotNet.Artifacts keeps its own copy.
/// Set FASTBACKPROP_BENCH_RESULTS to write elsewhere.</summary>
public sealed class ResultsMarkdownExporter(string? name = null) : IExporter
{
    /// <inheritdoc/>
    public string Name => nameof(ResultsMarkdownExporter);

    /// <inheritdoc/>
    public void ExportToLog(Summary summary, ILogger logger) => MarkdownExporter.GitHub.ExportToLog(summary, logger);

    /// <inheritdoc/>
    public IEnumerable<string> ExportToFiles(Summary summary, ILogger consoleLogger)
    {
        ArgumentNullException.ThrowIfNull(summary);
        string directory = ResultsDirectory();
        Directory.CreateDirectory(directory);
        // A joined summary of many classes (--quick, --join) is named by the caller or by its class count.
        string[] types = [.. summary.BenchmarksCases.Select(c => c.Descriptor.Type.Name).Distinct()];
        string classes = name ?? (types.Length <= 2 ? string.Join("+", types) : $"joined-{types.Length}-classes");
        string date = DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string path = Path.Combine(directory, $"{Slug(CpuName(summary))}_{date}_{classes}.md");
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)))
        {
            var logger = new StreamLogger(writer);
            ExportToLog(summary, logger);
            // The machines are shared: the load at export time tells how much to trust the figures.
            logger.WriteLine();
            logger.WriteLine($"Load average at export (1/5/15 min): {LoadAverage()}; run ended {DateTime.Now:yyyy-MM-dd HH:mm}.");
            logger.Flush();
        }
        return [path];
    }

    /// <summary>The folder the reports go to (bench/results of the repository, or FASTBACKPROP_BENCH_RESULTS).</summary>
    public static string ResultsDirectoryPath() => ResultsDirectory();

    /// <summary>The file-name form of the summary's CPU model ("Intel-Xeon-Processor").</summary>
    public static string CpuSlug(Summary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return Slug(CpuName(summary));
    }

    /// <summary>The CPU model from /proc/cpuinfo ("model name"), for programs that have no summary; null if unknown.</summary>
    public static string? CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The file-name form of a CPU model name.</summary>
    public static string CpuSlug(string cpuName)
    {
        ArgumentNullException.ThrowIfNull(cpuName);
        return Slug(cpuName);
    }

    private static string ResultsDirectory()
    {
        string? overridden = Environment.GetEnvironmentVariable("FASTBACKPROP_BENCH_RESULTS");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FastBackprop.sln"))) return Path.Combine(dir.FullName, "bench", "results");
            }
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "bench-results");
    }

    /// <summary>The 1/5/15-minute load averages from /proc/loadavg, or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} {parts[1]} {parts[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string CpuName(Summary summary)
    {
        string? name = summary.HostEnvironmentInfo.Cpu.Value.ProcessorName;
        return string.IsNullOrWhiteSpace(name) ? "unknown-cpu" : name;
    }

    // "Intel(R) Xeon(R) Processor" -> "Intel-Xeon-Processor"
    private static string Slug(string text)
    {
        string cleaned = text.Replace("(R)", "", StringComparison.OrdinalIgnoreCase).Replace("(TM)", "", StringComparison.OrdinalIgnoreCase);
        var sb = new StringBuilder();
        foreach (char c in cleaned)
        {
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        return sb.ToString().Trim('-');
    }
}
