namespace FastBackprop;

/// <summary>Which built-in function a <see cref="TransferFunction"/> is, so that the tiny-network
/// plan (TinyPlan) can evaluate it inline per element instead of through a span call. User-defined
/// functions are <see cref="Custom"/>, and a network with one takes the span plan.</summary>
internal enum ScalarForm
{
    Custom,
    Logistic,
    Tanh,
    Rectifier,
    Identity,
    Softmax,
}
