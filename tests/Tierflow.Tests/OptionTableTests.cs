using Tierflow.Options;
using Tierflow.Tiering;

namespace Tierflow.Tests;

public class OptionTableTests
{
    [Fact]
    public void EveryOptionHasFlagEnvAndHelp()
    {
        foreach (var s in OptionTable.All)
        {
            Assert.StartsWith("--", s.Flag);
            Assert.StartsWith("TIERFLOW_", s.Env);
            Assert.False(string.IsNullOrWhiteSpace(s.Help));
        }
        Assert.Equal(OptionTable.All.Count, OptionTable.All.Select(s => s.Env).Distinct().Count());
    }

    [Fact]
    public void EnvironmentVariablesApply()
    {
        var env = new Dictionary<string, string> { ["TIERFLOW_LADDER"] = "O0,O3", ["TIERFLOW_THRESHOLDS"] = "7", ["TIERFLOW_SYNC"] = "1", ["TIERFLOW_COUNTING"] = "host" };
        var o = OptionTable.FromEnvironment(new TierflowOptions(), k => env.GetValueOrDefault(k));
        Assert.Equal([OptLevel.O0, OptLevel.O3], o.Ladder);
        Assert.Equal([7L], o.Thresholds);
        Assert.True(o.Sync);
        Assert.Equal(CountingMode.HostCalls, o.Counting);
    }

    [Fact]
    public void BadEnvironmentValueNamesTheVariable()
    {
        var e = Assert.Throws<FormatException>(() => OptionTable.FromEnvironment(new TierflowOptions(), k => k == "TIERFLOW_MAX_TIER" ? "O9" : null));
        Assert.Contains("TIERFLOW_MAX_TIER", e.Message);
    }

    [Fact]
    public void APresetNeverOverridesAnOptionGivenExplicitly()
    {
        // The table lists --thresholds before --stress; the preset still applies first.
        var env = new Dictionary<string, string> { ["TIERFLOW_THRESHOLDS"] = "5,6,7", ["TIERFLOW_STRESS"] = "1", ["TIERFLOW_NO_OSR"] = "1" };
        var o = OptionTable.FromEnvironment(new TierflowOptions(), k => env.GetValueOrDefault(k));
        Assert.Equal([5L, 6L, 7L], o.Thresholds);
        Assert.Equal(0, o.OsrThreshold);
        Assert.Equal(0, o.OsrInnerWaitMs); // from the preset
    }

    [Fact]
    public void StressPresetTiersUpAfterOneOrTwoCalls() =>
        Assert.Equal([1L, 2L, 3L], OptionTable.Find("--stress")!.Apply(new TierflowOptions(), "on").Thresholds);

    [Fact]
    public void MarkdownListsEveryFlag()
    {
        var md = OptionTable.Markdown();
        foreach (var s in OptionTable.All) Assert.Contains(s.Flag, md);
    }
}

public class OptionDocsTests
{
    [Fact]
    public void OptionsDocumentIsGeneratedFromTheTable()
    {
        var doc = File.ReadAllText(Path.Combine(TestSupport.RepoRoot, "docs", "options.md"));
        Assert.Contains(OptionTable.Markdown(), doc.Replace("\r\n", "\n"));
    }
}
