using BenchmarkDotNet.Running;
using FastBackprop.Bench.Config;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(IsaConfig.Parse(args, out var config), config);
