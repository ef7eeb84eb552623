using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>The band of the first layer's forward and update in the row schedule (Layers/Dense.Band.cs): blocks that go to
/// whichever of two pieces is free first give the bits of one thread, whoever takes them. Runs with the threading tests
/// (not in parallel: <see cref="ThreadTeam.SplitEverything"/> is process-wide).</summary>
[Collection(nameof(ThreadingTests))]
public class BandTests
{
    /// <summary>Networks whose first layer takes the band (two pieces, a batch of at most a quarter of its units), trained on
    /// 2 threads against 1 thread, bit for bit; half the cases with every phase cut among all pieces.</summary>
    [Property(MaxTest = 30)]
    public Property BatchCalls_WithTheBand_GiveBitIdenticalResults() =>
        Prop.ForAll(
            (from c in ThreadingTests.RowScheduleCases(maxInputs: 900, widths: (64, 300), softmax: Gen.Elements(true, false))
             from batch in Gen.Choose(1, ((Dense)c.Definition.Layers[0]).Width / 4)
             from splitEverything in Gen.Elements(true, false)
             select (Case: c, batch, splitEverything)).ToArbitrary(),
            c =>
            {
                Assert.True(((Dense)c.Case.Definition.Layers[0]).TakesBand(c.batch, 2));
                ThreadingTests.AssertSameBitsAsOneThread(c.Case, c.batch, 2, c.splitEverything);
            });

    /// <summary>One piece held back while the other takes every block of the band, both sides (the forward's, then the
    /// update's), piece 0 or piece 1: the layer's outputs, net sums and updated parameters equal one thread's bit for bit.
    /// The lagging piece makes the stealing certain, which the timing of a plain run leaves to chance.</summary>
    [Property(MaxTest = 16)]
    public Property Band_TakenByOnePiece_GivesTheBitsOfOneThread() =>
        Prop.ForAll(
            (from inputs in Gen.Choose(1, 900)
             from width in Gen.Choose(64, 300)
             from rows in Gen.Choose(1, width / 4)
             from relu in Gen.Elements(true, false)
             from lagging in Gen.Choose(0, 1)
             from seed in Gen.Choose(0, int.MaxValue)
             select new BandCase(inputs, width, rows, relu, lagging, seed)).ToArbitrary(),
            c =>
            {
                var alone = new BandJob(c);
                alone.Execute(0, 1);
                var both = new BandJob(c);
                using var pool = new WorkerPool(2);
                both.Pool = pool;
                pool.Run(both, 2);
                Assert.Equal(alone.Output, both.Output);
                Assert.Equal(alone.State, both.State);
                Assert.Equal(alone.Updated, both.Updated);
            });

    /// <summary>One generated layer: its shape, its function, the piece held back and the data seed.</summary>
    public sealed record BandCase(int Inputs, int Width, int Rows, bool Relu, int Lagging, int Seed)
    {
        /// <summary>The case as one line, to replay it.</summary>
        public override string ToString() => $"inputs={Inputs} width={Width} rows={Rows} relu={Relu} lagging={Lagging} seed={Seed}";
    }

    // The first layer's forward and update: one thread through the layer schedule's methods, two through the band's, the
    // lagging piece sleeping before each phase so that the other takes all of the band.
    private sealed class BandJob(BandCase c) : IParallelWork
    {
        private readonly Dense layer = new(c.Width, c.Relu ? TransferFunction.Relu : TransferFunction.Tanh);
        private readonly float[] parameters = Fill(c.Width * (c.Inputs + 1), (ulong)c.Seed, 0.5f);
        private readonly float[] input = Fill(c.Rows * c.Inputs, (ulong)c.Seed + 1, 1f);
        private readonly float[] gradient = Fill(c.Rows * c.Width, (ulong)c.Seed + 2, 1f);
        private readonly float[] scratch = new float[c.Width];

        public WorkerPool? Pool { get; set; }

        public float[] Output { get; } = new float[c.Rows * c.Width];

        public float[] State { get; } = new float[c.Rows * c.Width];

        public float[] Updated { get; } = Fill(c.Width * (c.Inputs + 1), (ulong)c.Seed, 0.5f);

        public void Execute(int part, int parts)
        {
            ThreadTeam team = parts == 1 ? ThreadTeam.Alone : new ThreadTeam(part, parts, Pool!.Barrier);
            var pass = new LayerPass(parameters, input, Output, State, gradient, default, c.Rows) { Team = team, Scratch = scratch };
            var update = new ParameterUpdate(Updated, -0.05f, inPlace: true);
            if (parts == 1)
            {
                layer.ForwardBatch(pass);
                layer.UpdateBatch(pass, update);
                return;
            }
            Assert.True(layer.TakesBand(c.Rows, parts));
            Lag(part);
            layer.ForwardWithBand(pass);
            team.Sync();
            Lag(part);
            layer.UpdateBatch(pass, update, noBarrier: true, band: true);
        }

        private void Lag(int part)
        {
            if (part == c.Lagging) Thread.Sleep(20);
        }

        private static float[] Fill(int length, ulong seed, float amplitude)
        {
            var random = new SeededRandom(seed);
            var values = new float[length];
            for (int i = 0; i < values.Length; i++) values[i] = random.NextSymmetric(amplitude);
            return values;
        }
    }
}
