using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastBackprop.Cli;

/// <summary>--json output: one indented document per command on standard output.</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(CliContext context, JsonNode document) => context.Out.WriteLine(document.ToJsonString(Indented));

    /// <summary>A number, or null where JSON has no literal for it (NaN, infinity).</summary>
    public static JsonNode? Number(double? value) => value is double v && double.IsFinite(v) ? JsonValue.Create(v) : null;
}
