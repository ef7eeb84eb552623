namespace FastBackprop;

/// <summary>Which built-in function a <see cref="TransferFunction"/> is, so that the small-network
/// path can evaluate it inline per element instead of through a span call. User-defined
/// functions are <see cref="Custom"/> and always take the span path.</summary>
internal enum ScalarForm
{
    Custom,
    Logistic,
    Tanh,
    Rectifier,
    Identity,
    Softmax,
}
