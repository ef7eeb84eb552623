using BenchmarkDotNet.Running;
using FastBackprop.Bench.Config;
using FastBackprop.Bench.Quick;
using FastBackprop.Bench.Samples;

// `fashion [folder]` trains W5; `optimizers` races every optimizer to a training error; `batch-sweep` times batch and width sweeps on 1 and 2 threads; `fit-overhead` times Fit against its raw loop in one process; `--quick` runs the headline set and prints the targets table;
// anything else goes to BenchmarkSwitcher with the ISA jobs (Config/IsaConfig.cs).
return args is ["fashion", .. var rest] ? FashionMnistProgram.Run(rest)
    : args is ["optimizers", .. var race] ? OptimizerRaceProgram.Run(race)
    : args is ["batch-sweep", .. var sweep] ? BatchSweepProgram.Run(sweep)
    : args is ["fit-overhead", .. var fit] ? FitOverheadProgram.Run(fit)
    : args.Contains("--quick") ? QuickRun.Run(args)
    : Run(args);

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(IsaConfig.Parse(args, out var config), config);
    return 0;
}
