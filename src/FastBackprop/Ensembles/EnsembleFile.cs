using FastBackprop.Data;
using FastBackprop.IO;

namespace FastBackprop.Ensembles;

// ---------------------------------------------------------------------------------------------
// Ensemble file format, version 1. Little-endian; the frame (magic, version, CRC) is FramedFile's.
//
//   offset  size        field
//   0       8           magic "FBPENSEM"
//   8       2           format version (uint16): 1
//   10      1           voting (0 = soft, 1 = hard)
//   11      4           member count K (int32, 1..Ensemble.MaxMembers)
//   15      then K times: byte length n (int32, >= 1), and n bytes: the member's complete model file as
//                       ModelFile.Serialize writes it (its own magic, version, scalings, metadata and CRC)
//   last 4              CRC-32 (IEEE) of every byte before it
//
// A member is a model file whole, so everything a model file stores (input and target scaling, any
// layer kind) travels with it, and ModelFile's strict parser checks it. The outer CRC is checked
// first; every count is bounded by the bytes left, so nothing is allocated beyond the file's size.
// ---------------------------------------------------------------------------------------------

/// <summary>Saves and loads <see cref="Ensemble"/>s as one checksummed file (format at the top of EnsembleFile.cs).
/// Round trips are bit exact.</summary>
public static class EnsembleFile
{
    private static ReadOnlySpan<byte> Magic => "FBPENSEM"u8;
    private const int MinimumModelFile = 32;   // the shortest model file ModelFile.Deserialize accepts

    /// <summary>Saves <paramref name="ensemble"/> to <paramref name="path"/> atomically: the file is either the complete new
    /// ensemble or, if anything fails, left as it was.</summary>
    /// <exception cref="ArgumentException">A member cannot be stored (see <see cref="ModelFile.Save"/>; the message names it).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(string path, Ensemble ensemble)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Serialize(ensemble));
    }

    /// <summary>Loads an ensemble saved by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not an ensemble file, is truncated or corrupt, or holds an impossible
    /// field; the message names the file (and the member), the byte and the problem.</exception>
    public static Ensemble Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize(FramedFile.ReadAll(path, "an ensemble file"), Path.GetFileName(path));
    }

    /// <summary>The bytes of <paramref name="ensemble"/> in the ensemble file format.</summary>
    /// <exception cref="ArgumentException">See <see cref="Save"/>.</exception>
    public static byte[] Serialize(Ensemble ensemble)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        FieldWriter writer = FramedFile.Begin(Magic, 1);
        writer.Byte((byte)ensemble.Voting);
        writer.Int32(ensemble.Members.Count);
        for (int m = 0; m < ensemble.Members.Count; m++)
        {
            byte[] model;
            try
            {
                model = ModelFile.Serialize(ensemble.Members[m]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"member {m}: {e.Message}", nameof(ensemble), e);
            }
            writer.Int32(model.Length);
            writer.Bytes(model);
        }
        return FramedFile.Seal(writer);
    }

    /// <summary>Parses the bytes of an ensemble file.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (e.g. the file name).</param>
    /// <exception cref="DataFormatException">See <see cref="Load"/>.</exception>
    public static Ensemble Deserialize(ReadOnlySpan<byte> bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        const int minimum = 8 + 2 + 1 + 4 + 4 + MinimumModelFile + 4;
        FieldReader reader = FramedFile.Open(bytes, Magic, "ensemble file", minimum, (1, 1), sourceName, out _);
        byte voting = reader.Byte();
        if (voting > 1) throw reader.Error(-1, $"voting code {voting}; expected 0 (soft) or 1 (hard).");
        int count = reader.Count(4 + MinimumModelFile, "member");
        if (count is < 1 or > Ensemble.MaxMembers) throw reader.Error(-4, $"member count {count}; expected 1 to {Ensemble.MaxMembers}.");
        var models = new Model[count];
        for (int m = 0; m < count; m++)
        {
            int length = reader.Count(1, $"member {m}'s byte");
            long start = reader.Position;
            models[m] = ModelFile.Deserialize(reader.Bytes(length), $"{sourceName}, member {m} (its model file starts at byte {start})");
        }
        if (reader.Remaining != 0) throw reader.Error(0, $"{reader.Remaining} unexpected bytes after the last member.");
        try
        {
            return new Ensemble(models, (Voting)voting);
        }
        catch (ArgumentException e)
        {
            throw DataFormatException.InSource(sourceName, $"the stored members do not form an ensemble: {e.Message}");
        }
    }
}
