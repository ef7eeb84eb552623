using FastBackprop.Data;
using FastBackprop.Ensembles;
using FastBackprop.IO;
using FastBackprop.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace FastBackprop.Tests.Ensembles;

/// <summary>EnsembleFile: round trips are bit exact (members, scalings, voting); a flipped bit, a cut file or junk is
/// always a DataFormatException naming the file; absurd counts under a valid checksum are refused without allocating.</summary>
public sealed class EnsembleFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fastbackprop-ensemblefile-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static Arbitrary<NetworkCase> Cases() => NetworkGenerators.CaseArbitrary(maxDepth: 3, maxWidth: 12);

    // members models of the case's shape with distinct random parameters; every other one with input and target scaling.
    private static Ensemble RandomEnsemble(NetworkCase c, int members, Voting voting)
    {
        var random = new SeededRandom(c.DataSeed);
        var models = new Model[members];
        for (int m = 0; m < members; m++)
        {
            var network = new Network(c.Definition);
            network.InitializeWeights(c.WeightSeed + (ulong)m);
            foreach (ref float p in network.Parameters) p += random.NextSymmetric(0.5f);
            if (m % 2 == 1)
            {
                int n = c.Definition.InputWidth, k = c.Definition.OutputWidth;
                float[] offset = [.. Enumerable.Range(0, n).Select(_ => random.NextSymmetric(3f))], scale = [.. Enumerable.Range(0, n).Select(_ => 0.1f + random.NextSingle())];
                float[] mean = [.. Enumerable.Range(0, k).Select(_ => random.NextSymmetric(3f))], deviation = [.. Enumerable.Range(0, k).Select(_ => 0.5f + random.NextSingle())];
                models[m] = new Model(network, new InputScaling(InputScalingKind.Standardization, offset, scale), new Dictionary<string, string> { ["member"] = $"{m}" })
                {
                    TargetScaling = new TargetScaling(mean, deviation),
                };
            }
            else
            {
                models[m] = new Model(network, scaling: null);
            }
        }
        return new Ensemble(models, c.Definition.OutputWidth >= 2 ? voting : Voting.Soft);
    }

    [Property(Arbitrary = [typeof(EnsembleFileTests)], MaxTest = 40)]
    public void RoundTrip_IsBitExact(NetworkCase c, byte members, bool hard)
    {
        Ensemble ensemble = RandomEnsemble(c, members % 4 + 1, hard ? Voting.Hard : Voting.Soft);
        string path = Path.Combine(folder, "e.fbe");
        EnsembleFile.Save(path, ensemble);
        Ensemble loaded = EnsembleFile.Load(path);

        Assert.Equal(ensemble.Voting, loaded.Voting);
        Assert.Equal(ensemble.Members.Count, loaded.Members.Count);
        for (int m = 0; m < ensemble.Members.Count; m++)
        {
            Model a = ensemble.Members[m], b = loaded.Members[m];
            Canonical.AssertSameBits(a.Network.Parameters, b.Network.Parameters, $"member {m}'s parameters");
            Assert.Equal(a.Scaling is null, b.Scaling is null);
            if (a.Scaling is not null) Canonical.AssertSameBits(a.Scaling.Scale, b.Scaling!.Scale, $"member {m}'s input scale");
            if (a.TargetScaling is not null) Canonical.AssertSameBits(a.TargetScaling.StandardDeviation, b.TargetScaling!.StandardDeviation, $"member {m}'s target scale");
            Assert.Equal(a.Metadata, b.Metadata);
        }
        Assert.Equal(EnsembleFile.Serialize(ensemble), EnsembleFile.Serialize(loaded));
    }

    [Property(Arbitrary = [typeof(EnsembleFileTests)], MaxTest = 150)]
    public void FlippedBit_IsAlwaysACleanError(NetworkCase c, int position, byte bit)
    {
        byte[] bytes = EnsembleFile.Serialize(RandomEnsemble(c, 2, Voting.Soft));
        bytes[(int)((uint)position % (uint)bytes.Length)] ^= (byte)(1 << (bit % 8));
        var e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(bytes, "flipped.fbe"));
        Assert.Contains("flipped.fbe", e.Message);
    }

    [Property(Arbitrary = [typeof(EnsembleFileTests)], MaxTest = 150)]
    public void Truncated_IsAlwaysACleanError(NetworkCase c, int cut)
    {
        byte[] bytes = EnsembleFile.Serialize(RandomEnsemble(c, 2, Voting.Soft));
        int length = (int)((uint)cut % (uint)bytes.Length);
        var e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(bytes.AsSpan(0, length), "cut.fbe"));
        Assert.Contains("cut.fbe", e.Message);
    }

    [Property(MaxTest = 200)]
    public void RandomBytes_AreACleanError(byte[] junk, bool withMagic)
    {
        byte[] bytes = withMagic ? [.. "FBPENSEM"u8, .. junk] : junk;
        Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(bytes, "junk.fbe"));
    }

    [Theory]
    [InlineData(int.MaxValue, "member count 2147483647 does not fit")]
    [InlineData(-1, "member count -1 does not fit")]
    [InlineData(0, "member count 0; expected 1 to 1024")]
    public void ValidChecksumButAbsurdMemberCount_IsRejectedWithoutAllocating(int count, string problem)
    {
        byte[] body = [.. "FBPENSEM"u8, 1, 0, 0, .. BitConverter.GetBytes(count), .. new byte[40]];
        byte[] bytes = [.. body, .. BitConverter.GetBytes(Crc32.Compute(body))];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(bytes, "absurd.fbe"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the reader allocated more than 1 MiB for a 63-byte file");
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void ACorruptMember_IsNamed_AndMembersOfDifferentShapes_AreRefused()
    {
        byte[] member = ModelFile.Serialize(EnsembleTests.Constant(1f, 2f));
        byte[] other = ModelFile.Serialize(EnsembleTests.Constant(1f, 2f, 3f));
        static byte[] Framed(byte voting, params byte[][] models)
        {
            byte[] body = [.. "FBPENSEM"u8, 1, 0, voting, .. BitConverter.GetBytes(models.Length)];
            foreach (byte[] m in models) body = [.. body, .. BitConverter.GetBytes(m.Length), .. m];
            return [.. body, .. BitConverter.GetBytes(Crc32.Compute(body))];
        }

        byte[] corrupt = (byte[])member.Clone();
        corrupt[20] ^= 1;   // the member's own CRC catches it
        var e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(Framed(0, member, corrupt), "bad.fbe"));
        Assert.Contains("bad.fbe, member 1", e.Message);
        e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(Framed(0, member, other), "mixed.fbe"));
        Assert.Contains("do not form an ensemble", e.Message);
        e = Assert.Throws<DataFormatException>(() => EnsembleFile.Deserialize(Framed(2, member), "vote.fbe"));
        Assert.Contains("voting code 2", e.Message);
        Assert.Equal(Voting.Hard, EnsembleFile.Deserialize(Framed(1, member, member), "ok.fbe").Voting);
    }
}
