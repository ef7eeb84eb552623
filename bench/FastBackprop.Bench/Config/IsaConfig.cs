using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace FastBackprop.Bench.Config;

// ---------------------------------------------------------------------------------------------
// One job per ISA tier, each in its own child process with the runtime knob that caps it
// (STYLE.md sections A and C). The BenchmarkDotNet environment header prints each process's
// level (x86-64-v4/v3/v2, VectorSize=), and every benchmark's setup prints VectorTiers.Active:
// both are visible checks that a knob took effect.
//
//   --isa all        (default) V512, V256, V128, Scalar
//   --isa default    one job, id "Native", this process's own environment (fast local runs). Not
//                    "Default": BenchmarkDotNet treats that id as unset and names the job after its
//                    characteristics ("IterationCount=10, LaunchCount=1, ..."), whose commas break
//                    the child build's /p:ArtifactsPath when the host was built with --artifacts-path.
//   --isa V512,V256  any subset of the tiers, comma-separated
//   --full           BenchmarkDotNet's default iteration counts instead of the short ones
//
// These arguments are removed before the rest goes to BenchmarkSwitcher (--filter etc.).
// ---------------------------------------------------------------------------------------------

/// <summary>Builds the benchmark configuration from the command line.</summary>
public static class IsaConfig
{
    private static readonly (string Id, string? Variable)[] Tiers =
    [
        ("V512", null),
        ("V256", "DOTNET_EnableAVX512"),
        ("V128", "DOTNET_EnableAVX2"),
        ("Scalar", "DOTNET_EnableHWIntrinsic"),
    ];

    /// <summary>Returns <paramref name="args"/> without this project's own options, and in
    /// <paramref name="config"/> the configuration they select, with the GitHub-markdown copy to
    /// bench/results added.</summary>
    /// <exception cref="ArgumentException">An unknown tier name, or <c>--isa</c> without a value.</exception>
    public static string[] Parse(string[] args, out IConfig config)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = new List<string>(args.Length);
        string isa = "all";
        bool full = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--isa")
            {
                if (i + 1 >= args.Length) throw new ArgumentException("--isa needs a value: all, default, or a comma-separated list of V512, V256, V128, Scalar.", nameof(args));
                isa = args[++i];
            }
            else if (args[i] is "--full")
            {
                full = true;
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        // Short runs: the machines are shared and four tiers multiply every run by four.
        Job baseJob = full ? Job.Default : Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10);
        ManualConfig manual = ManualConfig.Create(DefaultConfig.Instance)
            .AddExporter(new ResultsMarkdownExporter())
            .AddColumn(BenchColumns.All);
        if (isa.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            config = manual.AddJob(baseJob.WithId("Native"));
            return [.. rest];
        }
        IEnumerable<string> wanted = isa.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? Tiers.Select(t => t.Id)
            : isa.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string name in wanted)
        {
            int index = Array.FindIndex(Tiers, t => t.Id.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (index < 0) throw new ArgumentException($"--isa lists '{name}'; expected all, default, or some of V512, V256, V128, Scalar.", nameof(args));
            (string id, string? variable) = Tiers[index];
            Job job = baseJob.WithId(id);
            manual.AddJob(variable is null ? job : job.WithEnvironmentVariable(variable, "0"));
        }
        config = manual;
        return [.. rest];
    }
}
