using FastBackprop.Kernels;
using FastBackprop.Tests.Support;
using FastBackprop.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.NetworkTests;

/// <summary>Runs alone, after the parallel collections.</summary>
[CollectionDefinition(nameof(ThreadingTests), DisableParallelization = true)]
public sealed class ThreadingCollection
{
}

/// <summary>Threaded products and training: the same bits on any thread count, every run, and no allocation.
/// Not run in parallel with other tests: the allocation fact measures the whole process.</summary>
[Collection(nameof(ThreadingTests))]
public class ThreadingTests
{
    private static float[] Fill(int length, ulong seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSymmetric(1f);
        return values;
    }

    // Random operands of an m x n x k product of the given form, each leading dimension padded by pad.
    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(GemmForm form, int m, int n, int k, int pad, int seed)
    {
        int aRows = form == GemmForm.TN ? k : m, aCols = form == GemmForm.TN ? m : k;
        int bRows = form == GemmForm.NT ? n : k, bCols = form == GemmForm.NT ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        return (Fill(aRows * lda, (ulong)seed), lda, Fill(bRows * ldb, (ulong)seed + 1), ldb, Fill(m * ldc, (ulong)seed + 2), ldc);
    }

    [Property(MaxTest = 25)]
    public Property Gemm_Parallel_IsBitIdenticalToSingleThreaded() =>
        Prop.ForAll(
            (from form in Gen.Elements(GemmForm.NN, GemmForm.NT, GemmForm.TN)
             from m in Gen.Choose(1, 300)
             from n in Gen.Choose(1, 300)
             from k in Gen.Choose(60, 200)
             from threads in Gen.Choose(2, 4)
             from pad in Gen.Choose(0, 5)
             from beta in Gen.Elements(0f, 1f, 0.5f)
             from seed in Gen.Choose(0, int.MaxValue)
             select (form, m, n, k, threads, pad, beta, seed)).ToArbitrary(),
            c =>
            {
                var (form, m, n, k, threads, pad, beta, seed) = c;
                var (a, lda, b, ldb, c0, ldc) = Operands(form, m, n, k, pad, seed);
                float[] single = (float[])c0.Clone(), parallel = (float[])c0.Clone();
                Gemm.Multiply(form, m, n, k, 0.75f, a, lda, b, ldb, beta, single, ldc);
                using var pool = new WorkerPool(threads);
                Gemm.MultiplyParallel(pool, form, m, n, k, 0.75f, a, lda, b, ldb, beta, parallel, ldc);
                Assert.Equal(single, parallel);   // including the untouched gaps between rows
            });

    /// <summary>Gemm.MultiplyRows, MultiplyColumns and MultiplyBlock, the blocks a piece of a parallel region computes: any
    /// cut into row blocks, column blocks or the four blocks of both cuts (at any index, not only the tile multiples the
    /// plan uses) gives the bits of the whole product, and leaves the gaps between rows untouched.</summary>
    [Property(MaxTest = 40)]
    public Property Gemm_RowAndColumnBlocks_AreBitIdenticalToTheWholeProduct() =>
        Prop.ForAll(
            (from form in Gen.Elements(GemmForm.NN, GemmForm.NT, GemmForm.TN)
             from m in Gen.Choose(1, 200)
             from n in Gen.Choose(1, 200)
             from k in Gen.Frequency((1, Gen.Choose(0, 3)), (3, Gen.Choose(1, 600)))
             from rowCut in Gen.Choose(0, m)
             from columnCut in Gen.Choose(0, n)
             from pad in Gen.Choose(0, 5)
             from beta in Gen.Elements(0f, 1f, 0.5f)
             from seed in Gen.Choose(0, int.MaxValue)
             select (form, m, n, k, rowCut, columnCut, pad, beta, seed)).ToArbitrary(),
            c =>
            {
                var (form, m, n, k, rowCut, columnCut, pad, beta, seed) = c;
                var (a, lda, b, ldb, c0, ldc) = Operands(form, m, n, k, pad, seed);
                float[] whole = (float[])c0.Clone(), byRows = (float[])c0.Clone(), byColumns = (float[])c0.Clone(), byBlocks = (float[])c0.Clone();
                Gemm.Multiply(form, m, n, k, 0.75f, a, lda, b, ldb, beta, whole, ldc);
                Gemm.MultiplyRows(form, m, n, k, rowCut, m, 0.75f, a, lda, b, ldb, beta, byRows, ldc);
                Gemm.MultiplyRows(form, m, n, k, 0, rowCut, 0.75f, a, lda, b, ldb, beta, byRows, ldc);
                Gemm.MultiplyColumns(form, m, n, k, columnCut, n, 0.75f, a, lda, b, ldb, beta, byColumns, ldc);
                Gemm.MultiplyColumns(form, m, n, k, 0, columnCut, 0.75f, a, lda, b, ldb, beta, byColumns, ldc);
                foreach ((int, int) rows in new[] { (rowCut, m), (0, rowCut) })
                {
                    foreach ((int, int) columns in new[] { (columnCut, n), (0, columnCut) })
                    {
                        Gemm.MultiplyBlock(form, m, n, k, rows, columns, 0.75f, a, lda, b, ldb, beta, byBlocks, ldc);
                    }
                }
                Assert.Equal(whole, byRows);
                Assert.Equal(whole, byColumns);
                Assert.Equal(whole, byBlocks);
            });

    [Fact]
    public void WorkerPool_RethrowsAFailingPiece_AndStaysUsable()
    {
        using var pool = new WorkerPool(3);
        var e = Assert.Throws<AggregateException>(() => pool.Run(new Failing(part: 2), 3));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var counter = new Counting();
        pool.Run(counter, 3);
        Assert.Equal(3, counter.Count);
    }

    private sealed class Failing(int part) : IParallelWork
    {
        public void Execute(int p, int parts)
        {
            if (p == part) throw new InvalidOperationException("piece failed");
        }
    }

    private sealed class Counting : IParallelWork
    {
        public int Count;

        public void Execute(int part, int parts) => Interlocked.Increment(ref Count);
    }

    private static (Network Network, float[] Inputs, float[] Targets) Wide(int batch)
    {
        var network = new Network(300, Loss.CrossEntropy, new Dense(200, TransferFunction.Relu), new Dense(120, TransferFunction.Tanh), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(17);
        float[] inputs = Fill(batch * 300, 5);
        var targets = new float[batch * 10];
        for (int p = 0; p < batch; p++) targets[p * 10 + p % 10] = 1f;
        return (network, inputs, targets);
    }

    [Fact]
    public void TrainBatch_AnyThreadCount_GivesBitIdenticalWeights()
    {
        static float[] Run(int threads)
        {
            var (network, inputs, targets) = Wide(96);
            using BatchWorkspace ws = network.CreateBatchWorkspace(96, threads);
            for (int step = 0; step < 4; step++) network.TrainBatch(inputs, targets, 0.05f, ws);
            var gradient = new float[network.Definition.ParameterCount];
            network.BackpropagateBatch(inputs, targets, gradient, ws);
            return [.. network.Parameters, .. gradient];
        }
        float[] one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(3));
        Assert.Equal(Run(2), Run(2));
    }

    /// <summary>Every batch call (training steps, gradient, loss, prediction) on 2 and 3 threads against 1 thread, over
    /// random networks (dropout included) and batch sizes; half the cases with every phase cut among all pieces however
    /// small (ThreadTeam.SplitEverything), so that small shapes reach every cut: by columns, by rows, empty pieces.</summary>
    [Property(MaxTest = 60)]
    public Property BatchCalls_AnyThreadCount_GiveBitIdenticalResults() =>
        Prop.ForAll(
            (from definition in Gen.OneOf(NetworkGenerators.Definitions(maxDepth: 4, maxWidth: 160), NetworkGenerators.DefinitionsWithDropout(maxDepth: 3, maxWidth: 160))
             from seed in NetworkGenerators.Seed
             from batch in Gen.Frequency((2, Gen.Choose(1, 20)), (2, Gen.Choose(21, 140)))
             from threads in Gen.Choose(2, 3)
             from splitEverything in Gen.Elements(true, false)
             select (Case: new NetworkCase(definition, seed, seed + 1), batch, threads, splitEverything)).ToArbitrary(),
            c => AssertSameBitsAsOneThread(c.Case, c.batch, c.threads, c.splitEverything));

    /// <summary>The first layer's weight update cut by units, as its forward is (Dense.BackwardBatch, when the batch is at
    /// most a quarter of the width): networks whose first layer has 64 to 260 units and batches up to a quarter of that, on
    /// 2 and 3 threads against 1 thread, bit for bit; half the cases with every phase cut among all pieces.</summary>
    [Property(MaxTest = 30)]
    public Property BatchCalls_FirstLayerCutByUnits_GiveBitIdenticalResults() =>
        Prop.ForAll(
            (from inputs in Gen.Choose(1, 300)
             from width in Gen.Choose(64, 260)
             from kind in Gen.Elements(TransferKind.Relu, TransferKind.Tanh, TransferKind.Identity)
             from outputs in Gen.Choose(2, 24)
             from softmax in Gen.Elements(true, false)
             from batch in Gen.Choose(1, width / 4)
             from seed in NetworkGenerators.Seed
             from threads in Gen.Choose(2, 3)
             from splitEverything in Gen.Elements(true, false)
             select (Case: new NetworkCase(new NetworkDefinition(inputs, softmax ? Loss.CrossEntropy : Loss.HalfSquaredError,
                 new Dense(width, NetworkGenerators.Create(kind, 0.1f)), new Dense(outputs, softmax ? TransferFunction.Softmax : TransferFunction.Tanh)),
                 seed, seed + 1), batch, threads, splitEverything)).ToArbitrary(),
            c => AssertSameBitsAsOneThread(c.Case, c.batch, c.threads, c.splitEverything));

    /// <summary>The row schedule (BatchPlan.Rows.cs: the later layers, the output error and the input gradients by rows,
    /// then every update after one barrier): networks of three dense layers whose later layers are small, with a fused
    /// loss (cross-entropy over softmax) or one whose output layer applies f' itself (mean squared error over tanh), on
    /// 2 and 3 threads against 1 thread, bit for bit; half the cases with every phase cut among all pieces.</summary>
    [Property(MaxTest = 40)]
    public Property BatchCalls_RowSchedule_GiveBitIdenticalResults() =>
        Prop.ForAll(
            (from c in RowScheduleCases(maxInputs: 300, widths: (16, 260), softmax: Gen.Elements(true, false))
             from batch in Gen.Frequency((1, Gen.Choose(1, 20)), (3, Gen.Choose(21, 140)))
             from threads in Gen.Choose(2, 3)
             from splitEverything in Gen.Elements(true, false)
             select (Case: c, batch, threads, splitEverything)).ToArbitrary(),
            c =>
            {
                Assert.True(BatchPlan.TakesRowSchedule(c.Case.Definition));
                AssertSameBitsAsOneThread(c.Case, c.batch, c.threads, c.splitEverything);
            });

    /// <summary>Networks of three dense layers whose later layers are small (the row schedule's), the first layer of a
    /// width in <paramref name="widths"/>: a fused loss (cross-entropy over softmax) or one whose output layer applies f'
    /// itself (mean squared error over tanh).</summary>
    internal static Gen<NetworkCase> RowScheduleCases(int maxInputs, (int Least, int Most) widths, Gen<bool> softmax) =>
        from inputs in Gen.Choose(1, maxInputs)
        from width in Gen.Choose(widths.Least, widths.Most)
        from second in Gen.Choose(1, 130)
        from kind in Gen.Elements(TransferKind.Relu, TransferKind.Tanh, TransferKind.Identity)
        from outputs in Gen.Choose(2, 24)
        from fused in softmax
        from seed in NetworkGenerators.Seed
        select new NetworkCase(new NetworkDefinition(inputs, fused ? Loss.CrossEntropy : Loss.MeanSquaredError,
            new Dense(width, NetworkGenerators.Create(kind, 0.1f)), new Dense(second, NetworkGenerators.Create(kind, 0.1f)),
            new Dense(outputs, fused ? TransferFunction.Softmax : TransferFunction.Tanh)), seed, seed + 1);

    [Fact]
    public void RowSchedule_TakesSmallDenseLayersOnly()
    {
        Assert.True(BatchPlan.TakesRowSchedule(new NetworkDefinition(784, Loss.CrossEntropy,
            new Dense(256, TransferFunction.Relu), new Dense(128, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax))));
        Assert.False(BatchPlan.TakesRowSchedule(new NetworkDefinition(1024, Loss.HalfSquaredError,
            new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Relu), new Dense(1024, TransferFunction.Identity))));
        Assert.False(BatchPlan.TakesRowSchedule(new NetworkDefinition(784, Loss.CrossEntropy,
            new Dense(256, TransferFunction.Relu), new Dropout(0.5f), new Dense(10, TransferFunction.Softmax))));
    }

    // RunBatchCalls on several threads (every phase cut among all pieces when splitEverything) equals one thread.
    internal static void AssertSameBitsAsOneThread(NetworkCase c, int batch, int threads, bool splitEverything)
    {
        float[] one = RunBatchCalls(c, batch, 1);
        ThreadTeam.SplitEverything(splitEverything);
        try
        {
            Assert.Equal(one, RunBatchCalls(c, batch, threads));
        }
        finally
        {
            ThreadTeam.SplitEverything(false);
        }
    }

    // Two SGD steps, a gradient, a loss and a prediction; everything they return or change, in one array.
    internal static float[] RunBatchCalls(NetworkCase c, int batch, int threads)
    {
        Network network = c.CreateNetwork();
        var inputs = new List<float>();
        var targets = new List<float>();
        for (int p = 0; p < batch; p++)
        {
            NetworkCase row = c with { DataSeed = c.DataSeed + (ulong)p };
            inputs.AddRange(row.CreateInput());
            targets.AddRange(row.CreateTarget());
        }
        float[] x = [.. inputs], d = [.. targets];
        using BatchWorkspace ws = network.CreateBatchWorkspace(batch, threads);
        ws.Random = new SeededRandom(c.DataSeed);
        var results = new List<float> { network.TrainBatch(x, d, 0.05f, ws), network.TrainBatch(x, d, 0.05f, ws) };
        var gradient = new float[network.Definition.ParameterCount];
        results.Add(network.BackpropagateBatch(x, d, gradient, ws));
        var outputs = new float[batch * network.Definition.OutputWidth];
        if (float.IsFinite(results[^1]))
        {
            results.Add(network.ComputeLossBatch(x, d, ws));
            network.PredictBatch(x, outputs, ws);
        }
        return [.. results, .. network.Parameters, .. gradient, .. outputs];
    }

    /// <summary>softsign, a user-defined element-wise function (called on piece 0 alone in a threaded step); it can be
    /// told to throw, to check that a failing piece ends the step with its exception instead of a hang.</summary>
    private sealed class Softsign : ElementwiseTransferFunction
    {
        public bool Fail { get; set; }

        public override string Name => "softsign";

        public override double Function(double x) => Fail ? throw new InvalidOperationException("softsign failed") : x / (1 + Math.Abs(x));

        public override double Derivative(double x) => 1 / ((1 + Math.Abs(x)) * (1 + Math.Abs(x)));
    }

    [Fact]
    public void TrainBatch_UserDefinedFunctions_AnyThreadCount_GiveBitIdenticalWeights()
    {
        static float[] Run(int threads)
        {
            var network = new Network(300, Loss.HalfSquaredError, new Dense(200, new Softsign()), new Dense(120, new CustomTransferFunctionTests.Shrink()), new Dense(10, TransferFunction.Tanh));
            network.InitializeWeights(17);
            float[] inputs = Fill(96 * 300, 5), targets = Fill(96 * 10, 6);
            using BatchWorkspace ws = network.CreateBatchWorkspace(96, threads);
            for (int step = 0; step < 3; step++) network.TrainBatch(inputs, targets, 0.05f, ws);
            return network.Parameters.ToArray();
        }
        float[] one = Run(1);
        ThreadTeam.SplitEverything(true);
        try
        {
            Assert.Equal(one, Run(2));
        }
        finally
        {
            ThreadTeam.SplitEverything(false);
        }
        Assert.Equal(one, Run(2));
    }

    [Fact]
    public void TrainBatch_FailingPiece_ThrowsItsException_AndTheWorkspaceStaysUsable()
    {
        var softsign = new Softsign();
        var network = new Network(300, Loss.CrossEntropy, new Dense(200, TransferFunction.Relu), new Dense(120, softsign), new Dense(10, TransferFunction.Softmax));
        network.InitializeWeights(17);
        float[] inputs = Fill(96 * 300, 5);
        var targets = new float[96 * 10];
        for (int p = 0; p < 96; p++) targets[p * 10 + p % 10] = 1f;
        using BatchWorkspace ws = network.CreateBatchWorkspace(96, 2);
        softsign.Fail = true;
        Assert.Throws<InvalidOperationException>(() => network.TrainBatch(inputs, targets, 0.05f, ws));
        softsign.Fail = false;
        float[] before = network.Parameters.ToArray();
        network.TrainBatch(inputs, targets, 0.05f, ws);
        Assert.NotEqual(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Fit_SameSeedAndThreads_GivesBitIdenticalWeightsEveryRun()
    {
        var (train, _) = FastBackprop.Data.EmbeddedData.Digits().Split(0.5, 3);
        float[] Run(int threads)
        {
            var network = new Network(64, Loss.CrossEntropy, new Dense(256, TransferFunction.Relu), new Dense(10, TransferFunction.Softmax));
            network.InitializeWeights(8);
            Trainer.Fit(network, train, new TrainingOptions { Epochs = 2, BatchSize = 128, Seed = 4, DegreeOfParallelism = threads, Optimizer = new Adam(network.Definition.ParameterCount), LearningRate = 1e-3f },
                cancellationToken: TestContext.Current.CancellationToken);
            return network.Parameters.ToArray();
        }
        float[] two = Run(2);
        Assert.Equal(two, Run(2));
        Assert.Equal(two, Run(1));
    }

    [Fact]
    public void TrainBatch_Threaded_AllocatesNothingInSteadyState()
    {
        var (network, inputs, targets) = Wide(96);
        using BatchWorkspace ws = network.CreateBatchWorkspace(96, 2);
        for (int i = 0; i < 3; i++) network.TrainBatch(inputs, targets, 0.01f, ws);
        var counter = new AllocationCounter(ws.DegreeOfParallelism);
        // The caller's and the workers' own counters, so other tests' allocations do not count.
        long allocated = SteadyStateAllocation.Measure(() =>
        {
            for (int i = 0; i < 3; i++) network.TrainBatch(inputs, targets, 0.01f, ws);
        }, () => counter.Read(ws.Pool!));
        Assert.True(allocated == 0, $"{allocated} bytes allocated by the step's threads over 3 threaded steps; expected 0");
    }

    /// <summary>Sums GC.GetAllocatedBytesForCurrentThread over the pool's threads (the caller is piece 0),
    /// by running one piece on each of them.</summary>
    private sealed class AllocationCounter(int threads) : IParallelWork
    {
        private readonly long[] perThread = new long[threads];

        public long Read(WorkerPool pool)
        {
            pool.Run(this, perThread.Length);
            long sum = 0;
            foreach (long bytes in perThread) sum += bytes;
            return sum;
        }

        public void Execute(int part, int parts) => perThread[part] = GC.GetAllocatedBytesForCurrentThread();
    }

    [Fact]
    public void Options_DegreeOfParallelism_IsValidated()
    {
        var network = new Network(2, Loss.HalfSquaredError, new Dense(1, TransferFunction.Identity));
        Assert.Throws<ArgumentOutOfRangeException>("degreeOfParallelism", () => network.CreateBatchWorkspace(4, 0));
        var data = new FastBackprop.Data.Dataset([[0f, 1f]], [[1f]]);
        Assert.Throws<ArgumentOutOfRangeException>("DegreeOfParallelism", () => Trainer.Fit(network, data, new TrainingOptions { DegreeOfParallelism = 0 }, cancellationToken: TestContext.Current.CancellationToken));
    }
}
