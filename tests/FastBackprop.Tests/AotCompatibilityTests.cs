using System.Reflection;
using Xunit;

namespace FastBackprop.Tests;

/// <summary>The library tells trimmed and NativeAOT applications that it is safe for them: the SDK writes these
/// attributes from IsTrimmable and IsAotCompatible, whose analyzers then check every build of the library.</summary>
public class AotCompatibilityTests
{
    [Theory]
    [InlineData("IsTrimmable")]
    [InlineData("IsAotCompatible")]
    public void TheLibrary_DeclaresItself_TrimmableAndAotCompatible(string key)
    {
        AssemblyMetadataAttribute[] metadata = [.. typeof(Network).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()];
        Assert.Contains(metadata, m => m.Key == key && m.Value == "True");
    }
}
