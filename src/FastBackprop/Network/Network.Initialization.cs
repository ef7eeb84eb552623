namespace FastBackprop;

public sealed partial class Network
{
    /// <summary>Draws every weight from <paramref name="seed"/> with each dense layer's
    /// <see cref="TransferFunction.PreferredInitialization"/> (Xavier/Glorot uniform for logistic,
    /// tanh, identity and softmax; He uniform for the rectifiers) and sets every bias to zero.
    /// The same seed gives the same bits on every machine.</summary>
    public void InitializeWeights(ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int l = 0; l < Definition.LayerCount; l++)
        {
            if (Definition.Layers[l] is Dense dense) InitializeLayer(l, dense.Transfer.PreferredInitialization, 0f, random);
        }
    }

    /// <summary>Draws every dense layer's weights from <paramref name="seed"/> with <paramref name="scheme"/> and
    /// sets every bias to zero. The same seed and scheme give the same bits on every machine.</summary>
    /// <param name="seed">Seed of the generator.</param>
    /// <param name="scheme">The distribution; see <see cref="WeightInitialization"/>.</param>
    /// <param name="uniformRange">r of <see cref="WeightInitialization.Uniform"/>: weights from U(-r, r); finite, greater than 0. Ignored by the other schemes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scheme"/> is not defined, or <paramref name="uniformRange"/> is not finite and positive.</exception>
    public void InitializeWeights(ulong seed, WeightInitialization scheme, float uniformRange = 0.5f)
    {
        if (!Enum.IsDefined(scheme)) throw new ArgumentOutOfRangeException(nameof(scheme), scheme, $"scheme is {scheme}; expected a defined WeightInitialization.");
        if (scheme == WeightInitialization.Uniform) ThrowHelper.CheckPositiveFinite(uniformRange, nameof(uniformRange));
        var random = new SeededRandom(seed);
        for (int l = 0; l < Definition.LayerCount; l++)
        {
            if (Definition.Layers[l] is Dense) InitializeLayer(l, scheme, uniformRange, random);
        }
    }

    private void InitializeLayer(int l, WeightInitialization scheme, float uniformRange, SeededRandom random)
    {
        LayerLayout layout = Definition.GetLayout(l);
        Span<float> weights = GetWeights(l);
        float fanIn = layout.Inputs, fanSum = layout.Inputs + layout.Units;
        switch (scheme)
        {
            case WeightInitialization.XavierNormal:
            case WeightInitialization.HeNormal:
            case WeightInitialization.LeCunNormal:
                double sigma = Math.Sqrt(scheme switch
                {
                    WeightInitialization.HeNormal => 2.0 / fanIn,
                    WeightInitialization.LeCunNormal => 1.0 / fanIn,
                    _ => 2.0 / fanSum,
                });
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)(sigma * random.NextGaussian());
                break;
            default:
                float limit = scheme switch
                {
                    WeightInitialization.HeUniform => MathF.Sqrt(6f / fanIn),
                    WeightInitialization.Uniform => uniformRange,
                    _ => MathF.Sqrt(6f / fanSum),
                };
                for (int i = 0; i < weights.Length; i++) weights[i] = random.NextSymmetric(limit);
                break;
        }
        GetBiases(l).Clear();
    }
}
