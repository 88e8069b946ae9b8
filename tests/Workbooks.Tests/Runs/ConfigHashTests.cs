using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Workbooks.Runs;

namespace Workbooks.Tests.Runs;

public class ConfigHashTests
{
    record Optim(double Lr, double Beta1);
    record ConfigAb(int Layers, string Name, Optim Optim);
    record ConfigBa(Optim Optim, string Name, int Layers);
    enum Schedule { Constant, Cosine }
    record WithEnum(Schedule Schedule);

    [Fact]
    public void Property_order_does_not_change_the_hash()
    {
        var a = new ConfigAb(4, "tiny", new Optim(3e-4, 0.9));
        var b = new ConfigBa(new Optim(3e-4, 0.9), "tiny", 4);
        var c = JsonNode.Parse("""{"Optim":{"Beta1":0.9,"Lr":0.0003},"Layers":4.0,"Name":"tiny"}""");
        Assert.Equal(ConfigHash.Of(a, 1, "v"), ConfigHash.Of(b, 1, "v"));
        Assert.Equal(ConfigHash.Of(a, 1, "v"), ConfigHash.Of(c, 1, "v"));
        Assert.Equal("""{"Layers":4,"Name":"tiny","Optim":{"Beta1":0.9,"Lr":0.0003}}""", ConfigHash.CanonicalJson(b));
    }

    [Fact]
    public void Seed_values_and_code_version_change_the_hash()
    {
        var baseline = ConfigHash.Of(new ConfigAb(4, "tiny", new Optim(3e-4, 0.9)), 1, "v");
        string[] others =
        [
            ConfigHash.Of(new ConfigAb(4, "tiny", new Optim(3e-4, 0.9)), 2, "v"),
            ConfigHash.Of(new ConfigAb(4, "tiny", new Optim(3e-4, 0.9)), 1, "w"),
            ConfigHash.Of(new ConfigAb(5, "tiny", new Optim(3e-4, 0.9)), 1, "v"),
            ConfigHash.Of(new ConfigAb(4, "tiny", new Optim(3.0000000000000003e-4, 0.9)), 1, "v"),
            ConfigHash.Of(new ConfigAb(4, "Tiny", new Optim(3e-4, 0.9)), 1, "v"),
        ];
        Assert.DoesNotContain(baseline, others);
        Assert.Equal(others.Length, others.Distinct().Count());
    }

    [Fact]
    public void Doubles_keep_every_bit_and_enums_go_by_name()
    {
        Assert.Equal("""{"x":0.30000000000000004}""", ConfigHash.CanonicalJson(new { x = 0.1 + 0.2 }));
        Assert.NotEqual(ConfigHash.Of(new { x = 0.1 + 0.2 }, 0, "v"), ConfigHash.Of(new { x = 0.3 }, 0, "v"));
        Assert.Equal("""{"Schedule":"Cosine"}""", ConfigHash.CanonicalJson(new WithEnum(Schedule.Cosine)));
        Assert.Equal("""{"x":"NaN"}""", ConfigHash.CanonicalJson(new { x = double.NaN }));
    }

    [Fact]
    public void Hash_is_sha256_of_the_documented_canonical_payload()
    {
        // Pinned so that a change of canonical form (which would silently invalidate every cached run) is noticed.
        var payload = """{"code_version":"1.2.3","config":{"a":1,"b":[0.1,"x"]},"seed":42}""";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
        Assert.Equal(expected, ConfigHash.Of(new { b = new object[] { 0.1, "x" }, a = 1 }, 42, "1.2.3"));
        Assert.Equal("69f346a8de124dd5fd81125325acd14cce5ee1255f6b401e16d6f7c1aa71b726", expected);
    }
}
