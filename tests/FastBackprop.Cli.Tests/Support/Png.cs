using System.Buffers.Binary;
using SkiaSharp;

namespace FastBackprop.Cli.Tests.Support;

/// <summary>Checks that a file is a real, non-blank PNG of a given size.</summary>
internal static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static void AssertValid(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path}: {bytes.Length} bytes is too short for a PNG");
        Assert.Equal(Signature, bytes[..8]);
        // The first chunk is IHDR: length 13, type, then width and height big-endian.
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));

        using SKBitmap bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        double sum = 0, squares = 0;
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 2)
        {
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                SKColor c = bitmap.GetPixel(x, y);
                double luminance = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += luminance;
                squares += luminance * luminance;
                colours.Add((uint)c);
            }
        }
        double n = Math.Ceiling(bitmap.Height / 2.0) * Math.Ceiling(bitmap.Width / 2.0);
        double variance = squares / n - (sum / n) * (sum / n);
        Assert.True(variance > 10, $"{path}: pixel variance {variance}: blank picture");
        Assert.True(colours.Count > 8, $"{path}: only {colours.Count} colours");
    }
}
