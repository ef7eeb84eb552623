namespace FastBackprop.Kernels.Operators;

/// <summary>An element-wise map <c>x -> op(x)</c>, written once for every vector width.</summary>
internal interface IUnaryOperator
{
    TVector Invoke<TSimd, TVector>(TVector x) where TSimd : ISimd<TVector> where TVector : struct;
}

/// <summary>An element-wise update <c>delta -> op(delta, net, output)</c> of a delta by f'(net):
/// the three operands of a layer's backward step, written once for every vector width.</summary>
internal interface IDerivativeOperator
{
    TVector Invoke<TSimd, TVector>(TVector delta, TVector net, TVector output) where TSimd : ISimd<TVector> where TVector : struct;
}
