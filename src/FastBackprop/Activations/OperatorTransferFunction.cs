using FastBackprop.Kernels.Operators;

namespace FastBackprop;

/// <summary>A built-in element-wise function whose float paths are a pair of operator structs (Kernels/Transfer) run
/// through the element-wise driver: f by <typeparamref name="TForward"/>, delta ⊙ f' by <typeparamref name="TBackward"/>,
/// the same bits at every vector tier. The tiny-network plan does not inline these (their <see cref="ScalarForm"/> is
/// Custom), so a network with one takes the span plan.</summary>
internal abstract class OperatorTransferFunction<TForward, TBackward>(TForward forward, TBackward backward) : ElementwiseTransferFunction, IOperatorPair
    where TForward : struct, IUnaryOperator where TBackward : struct, IDerivativeOperator
{
    private readonly TForward forward = forward;
    private readonly TBackward backward = backward;

    public sealed override void Activate(ReadOnlySpan<float> net, Span<float> output)
    {
        ThrowHelper.CheckLength(output.Length, net.Length, nameof(output));
        ElementwiseDriver.Map(forward, net, output);
    }

    public sealed override void MultiplyByDerivative(ReadOnlySpan<float> net, ReadOnlySpan<float> output, Span<float> delta)
    {
        ThrowHelper.CheckLength(delta.Length, net.Length, nameof(delta));
        ElementwiseDriver.UpdateDelta(backward, net, output, delta);
    }

    public TResult Accept<TResult>(IOperatorPairVisitor<TResult> visitor) => visitor.Visit(forward, backward);
}

/// <summary>A transfer function whose float paths are a pair of operator structs: hands them, with their types, to a
/// visitor (the vector-lane engine runs them across networks' lanes: Kernels/Lanes).</summary>
internal interface IOperatorPair
{
    TResult Accept<TResult>(IOperatorPairVisitor<TResult> visitor);
}

/// <summary>Receives a function's operator pair (<see cref="IOperatorPair"/>).</summary>
internal interface IOperatorPairVisitor<TResult>
{
    TResult Visit<TForward, TBackward>(TForward forward, TBackward backward)
        where TForward : struct, IUnaryOperator where TBackward : struct, IDerivativeOperator;
}
