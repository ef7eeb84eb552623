namespace FastBackprop;

/// <summary>The batch plan's parallel region: one fork-join on the workspace's pool per call.</summary>
internal sealed partial class BatchPlan
{
    /// <summary>One call's arguments, as pointers to the caller's spans (pinned for the call) so that the workers can
    /// rebuild them; one instance per calling thread, reused, so a step allocates nothing.</summary>
    private sealed unsafe class BatchRegion : IParallelWork
    {
        [ThreadStatic] private static BatchRegion? forThread;

        private BatchPlan? plan;
        private BatchWorkspace? ws;
        private SeededRandom? random;
        private Phases phases;
        private float* parameters, inputs, targets, target;
        private int parametersLength, inputsLength, targetsLength, targetLength, rows;
        private float scale;
        private bool inPlace;
        private float error;

        /// <summary>Runs <paramref name="plan"/>'s phases in <paramref name="parts"/> pieces; returns piece 0's Σ_p E_p.</summary>
        public static float Run(BatchPlan plan, int parts, Phases phases, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
            int rows, BatchWorkspace ws, SeededRandom? random, in ParameterUpdate update)
        {
            BatchRegion region = forThread ??= new BatchRegion();
            fixed (float* p = parameters, x = inputs, d = targets, u = update.Target)
            {
                region.plan = plan;
                region.ws = ws;
                region.random = random;
                region.phases = phases;
                region.parameters = p;
                region.parametersLength = parameters.Length;
                region.inputs = x;
                region.inputsLength = inputs.Length;
                region.targets = d;
                region.targetsLength = targets.Length;
                region.target = u;
                region.targetLength = update.Target.Length;
                region.rows = rows;
                region.scale = update.Scale;
                region.inPlace = update.InPlace;
                try
                {
                    ws.Pool!.Run(region, parts);
                    return region.error;
                }
                finally
                {
                    // Drop the references and the pointers, whose spans are unpinned once this returns.
                    region.plan = null;
                    region.ws = null;
                    region.random = null;
                    region.parameters = region.inputs = region.targets = region.target = null;
                }
            }
        }

        public void Execute(int part, int parts)
        {
            var team = new ThreadTeam(part, parts, ws!.Pool!.Barrier);
            float e = plan!.RunPart(team, phases, new ReadOnlySpan<float>(parameters, parametersLength), new ReadOnlySpan<float>(inputs, inputsLength),
                new ReadOnlySpan<float>(targets, targetsLength), rows, ws, random, new ParameterUpdate(new Span<float>(target, targetLength), scale, inPlace));
            if (part == 0) error = e;
        }
    }
}
