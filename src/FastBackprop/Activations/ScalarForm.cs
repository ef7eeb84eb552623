namespace FastBackprop;

/// <summary>Which built-in function a <see cref="TransferFunction"/> is, so that the tiny-network
/// plan (TinyPlan) can evaluate it inline per element instead of through a span call. User-defined
/// functions, and the built-ins whose kernels are Kernels/Transfer's operators (ELU, GELU, ...), are
/// <see cref="Custom"/>: the plan does not inline them, and a network with one takes the span plan.</summary>
internal enum ScalarForm
{
    Custom,
    Logistic,
    Tanh,
    Rectifier,
    Identity,
    Softmax,
}
