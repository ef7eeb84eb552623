namespace FastBackprop.Data;

/// <summary>The element type of an IDX file, as coded in the third byte of its magic number
/// (<c>0x00 0x00 type rank</c>). Multi-byte values are stored big-endian.</summary>
public enum IdxDataType : byte
{
    /// <summary>0x08: unsigned byte (the MNIST images and labels).</summary>
    UnsignedByte = 0x08,

    /// <summary>0x09: signed byte.</summary>
    SignedByte = 0x09,

    /// <summary>0x0B: 16-bit signed integer.</summary>
    Int16 = 0x0B,

    /// <summary>0x0C: 32-bit signed integer.</summary>
    Int32 = 0x0C,

    /// <summary>0x0D: 32-bit IEEE float.</summary>
    Single = 0x0D,

    /// <summary>0x0E: 64-bit IEEE double.</summary>
    Double = 0x0E,
}
