using System.Buffers.Binary;
using FastBackprop.Training;

namespace FastBackprop.Tests.Training;

/// <summary>Reads an optimizer's <see cref="Optimizer.SaveState"/> bytes field by field, in the order of its Exchange:
/// the step count, the per-parameter buffers, then the rule's history. The tests read a rule's history through it,
/// so the layout a checkpoint holds is what they check.</summary>
internal sealed class StateBytes
{
    private readonly byte[] bytes;
    private int position;

    public StateBytes(Optimizer optimizer, int parameterCount)
    {
        bytes = optimizer.SaveState();
        Steps = Int64();
        int count = Int32();
        Buffers = new float[count / parameterCount][];
        for (int b = 0; b < Buffers.Length; b++)
        {
            Buffers[b] = new float[parameterCount];
            for (int i = 0; i < parameterCount; i++) Buffers[b][i] = Single();
        }
    }

    public long Steps { get; }

    public float[][] Buffers { get; }

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public bool Boolean() => Take(1)[0] != 0;

    public double[] Doubles()
    {
        double[] values = new double[Int32()];
        for (int i = 0; i < values.Length; i++) values[i] = Double();
        return values;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        ReadOnlySpan<byte> span = bytes.AsSpan(position, count);
        position += count;
        return span;
    }
}

/// <summary>L-BFGS's state, as its Exchange lists it.</summary>
internal sealed record LbfgsState(float[][] S, float[][] Y, float[] Direction, float[] PreviousGradient, int PairCount, int RingStart,
    double[] Rho, double StepLength, double Gamma, double PreviousLoss, long Iterations, long Evaluations)
{
    public static LbfgsState Of(Lbfgs optimizer)
    {
        var s = new StateBytes(optimizer, optimizer.ParameterCount);
        int m = optimizer.HistorySize;
        return new LbfgsState(s.Buffers[..m], s.Buffers[m..(2 * m)], s.Buffers[2 * m], s.Buffers[2 * m + 1],
            s.Int32(), s.Int32(), s.Doubles(), s.Double(), s.Double(), s.Double(), s.Int64(), s.Int64());
    }

    /// <summary>The slot of the i-th kept pair, oldest first.</summary>
    public int Slot(int i) => (RingStart + i) % S.Length;
}

/// <summary>Scaled conjugate gradient's state, as its Exchange lists it.</summary>
internal sealed record ScgState(float[] P, float[] R, float[] S, double Lambda, double LambdaBar, double Delta, double Mu, long Iteration,
    bool Success, bool Started, bool PendingUpdate, bool PendingRestart)
{
    public static ScgState Of(ScaledConjugateGradient optimizer)
    {
        var s = new StateBytes(optimizer, optimizer.ParameterCount);
        return new ScgState(s.Buffers[0], s.Buffers[1], s.Buffers[2], s.Double(), s.Double(), s.Double(), s.Double(), s.Int64(),
            s.Boolean(), s.Boolean(), s.Boolean(), s.Boolean());
    }
}
