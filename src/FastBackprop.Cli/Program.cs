return FastBackprop.Cli.CommandLine.Run(args);
