namespace FastBackprop.Cli.Tests.Support;

/// <summary>Standard output that presses Ctrl+C (cancels the token) once <paramref name="trigger"/> has been written.</summary>
internal sealed class CancellingWriter(CancellationTokenSource cancel, string trigger) : StringWriter
{
    public override void Write(string? value)
    {
        base.Write(value);
        if (!cancel.IsCancellationRequested && ToString().Contains(trigger, StringComparison.Ordinal)) cancel.Cancel();
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(char value) => Write(value.ToString());
}
