using System.Globalization;
using System.Text;

namespace FastBackprop.IO;

/// <summary>The PyTorch source text of the nn.Sequential a FastBackprop network is, written into a safetensors
/// file's "pytorch" metadata entry so that a user can build the model that loads the file's state dict.</summary>
/// <remarks>Each transfer function becomes the PyTorch module that computes the same function: logistic nn.Sigmoid,
/// tanh nn.Tanh, relu nn.ReLU, leaky-relu(s) nn.LeakyReLU(s), elu(a) nn.ELU(a), selu nn.SELU, softplus nn.Softplus
/// (β 1, threshold 20, as FastBackprop's), gelu nn.GELU, gelu-tanh nn.GELU(approximate='tanh'), silu nn.SiLU,
/// softsign and elliott nn.Softsign, hard-tanh nn.Hardtanh, softmax nn.Softmax(dim=-1); identity takes no module.
/// Functions PyTorch has no module for get a small module defined in the text (gaussian exp(-x²), sin, exp), and a
/// registered user-defined function a module that raises NotImplementedError naming it: the user writes its forward.</remarks>
internal static class PyTorchSequential
{
    /// <summary>The Python text for <paramref name="definition"/>.</summary>
    public static string Source(NetworkDefinition definition, bool inputScaling, bool targetScaling)
    {
        var modules = new List<string>();
        var helpers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int l = 0; l < definition.LayerCount; l++)
        {
            if (definition.Layers[l] is Dropout dropout)
            {
                modules.Add($"nn.Dropout(p={Number(dropout.Rate)})");
                continue;
            }
            var dense = (Dense)definition.Layers[l];
            LayerLayout layout = definition.GetLayout(l);
            modules.Add($"nn.Linear({layout.Inputs}, {layout.Units})");
            if (!SafetensorsNetwork.IsIdentity(dense.Transfer)) modules.Add(Module(dense.Transfer.Name, helpers));
        }
        var text = new StringBuilder();
        text.Append("# The nn.Sequential this file's tensors belong to (written by FastBackprop).\n");
        text.Append("import torch\nfrom torch import nn\n");
        foreach (string helper in helpers.Values) text.Append('\n').Append(helper);
        text.Append("\nmodel = nn.Sequential(\n");
        for (int i = 0; i < modules.Count; i++) text.Append("    ").Append(modules[i]).Append(",  # ").Append(i).Append('\n');
        text.Append(")\n");
        if (inputScaling) text.Append("# Inputs: x = (raw - offset) * scale, per feature, with offset and scale from fastbackprop.input_scaling.\n");
        if (targetScaling) text.Append("# Outputs: y * std + mean gives the targets' units, with mean and std from fastbackprop.target_scaling.\n");
        return text.ToString();
    }

    private static string Module(string name, SortedDictionary<string, string> helpers)
    {
        switch (name)
        {
            case "logistic": return "nn.Sigmoid()";
            case "tanh": return "nn.Tanh()";
            case "relu": return "nn.ReLU()";
            case "selu": return "nn.SELU()";
            case "softplus": return "nn.Softplus()";
            case "gelu": return "nn.GELU()";
            case "gelu-tanh": return "nn.GELU(approximate='tanh')";
            case "silu": return "nn.SiLU()";
            case "softsign" or "elliott": return "nn.Softsign()";
            case "hard-tanh": return "nn.Hardtanh()";
            case "softmax": return "nn.Softmax(dim=-1)";
            case "gaussian": return Helper(helpers, "Gaussian", "torch.exp(-x * x)");
            case "sin": return Helper(helpers, "Sine", "torch.sin(x)");
            case "exp": return Helper(helpers, "Exp", "torch.exp(x)");
        }
        if (TransferFunction.Parameter(name, "leaky-relu(", out float slope)) return $"nn.LeakyReLU(negative_slope={Number(slope)})";
        if (TransferFunction.Parameter(name, "elu(", out float alpha)) return $"nn.ELU(alpha={Number(alpha)})";
        helpers["Custom"] = "class Custom(nn.Module):\n    def __init__(self, name):\n        super().__init__()\n        self.name = name\n\n" +
            "    def forward(self, x):\n        raise NotImplementedError(f\"FastBackprop's transfer function '{self.name}': write its forward here\")\n";
        return $"Custom('{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}')";
    }

    private static string Helper(SortedDictionary<string, string> helpers, string name, string forward)
    {
        helpers[name] = $"class {name}(nn.Module):\n    def forward(self, x):\n        return {forward}\n";
        return name + "()";
    }

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
