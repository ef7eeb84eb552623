using System.CommandLine;

namespace FastBackprop.Cli.Commands.Train;

/// <summary>The files a train run writes: the model, its learning curve, the checkpoint and its run
/// description. Each is checked before any work, so that a long run cannot fail at its end.</summary>
internal sealed record TrainOutputs(string Model, string? Curve, string? Checkpoint)
{
    public static TrainOutputs Check(ParseResult parse, TrainCommandOptions o)
    {
        string model = parse.GetValue(o.Out)!;
        string? curve = parse.GetValue(o.NoPlot) ? null : ModelFiles.Beside(model, "learning-curve");
        string? checkpoint = parse.GetValue(o.Checkpoint);
        if (parse.GetValue(o.Resume) && checkpoint is null) throw new UserException($"{o.Resume.Name} continues the run saved at {o.Checkpoint.Name} path; give that path.");
        string? description = checkpoint is null ? null : CheckpointRun.DescriptionPath(checkpoint);
        OutputFiles.CheckDistinct((model, o.Out.Name), (curve, "the learning curve (beside --out)"), (checkpoint, o.Checkpoint.Name), (description, $"the run description (beside {o.Checkpoint.Name})"));
        OutputFiles.CheckWritable(model, o.Out.Name);
        if (curve is not null) OutputFiles.CheckWritable(curve, "the learning curve beside --out; --no-plot skips it");
        if (checkpoint is not null)
        {
            OutputFiles.CheckWritable(checkpoint, o.Checkpoint.Name);
            OutputFiles.CheckWritable(description!, o.Checkpoint.Name);
        }
        return new TrainOutputs(model, curve, checkpoint);
    }
}
