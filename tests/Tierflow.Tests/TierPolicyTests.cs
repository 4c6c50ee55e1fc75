using Tierflow.Tiering;

namespace Tierflow.Tests;

/// <summary>The policy alone: no LLVM, no threads.</summary>
public class TierPolicyTests
{
    readonly TierPolicy _p = new(TierLadder.Default);

    static FunctionSnapshot S(OptLevel tier, long entries, OptLevel? inFlight = null, int failed = 0, OptLevel? pinned = null, OptLevel? max = null, bool loopsHot = false) =>
        new("f", tier, entries, inFlight, failed, pinned, max, loopsHot);

    [Theory]
    [InlineData(OptLevel.O0, 99, null)]
    [InlineData(OptLevel.O0, 100, OptLevel.O1)]
    [InlineData(OptLevel.O0, 1000, OptLevel.O2)]      // skips rungs whose thresholds have passed
    [InlineData(OptLevel.O0, 1_000_000, OptLevel.O3)]
    [InlineData(OptLevel.O1, 999, null)]
    [InlineData(OptLevel.O1, 1000, OptLevel.O2)]
    [InlineData(OptLevel.O2, 10000, OptLevel.O3)]
    [InlineData(OptLevel.O3, 1_000_000, null)]        // final tier
    public void PromotesToHighestRungReached(OptLevel tier, long entries, OptLevel? expected)
    {
        var d = _p.Decide(S(tier, entries));
        Assert.Equal(expected, d.Target);
        Assert.False(string.IsNullOrEmpty(d.Reason));
    }

    [Fact]
    public void ReasonNamesCountAndThreshold() =>
        Assert.Equal("100 entries ≥ 100", _p.Decide(S(OptLevel.O0, 100)).Reason);

    [Fact]
    public void HotLoopsGoToTheCapWhenTheCallsReachAThreshold()
    {
        // Its calls already run their loops in final-tier code (OSR): a middle rung would be slower.
        Assert.Null(_p.Decide(S(OptLevel.O0, 99, loopsHot: true)).Target);
        var d = _p.Decide(S(OptLevel.O0, 100, loopsHot: true));
        Assert.Equal(OptLevel.O3, d.Target);
        Assert.Equal("100 entries ≥ 100, and its loops are hot (OSR): O3", d.Reason);
        Assert.Equal(OptLevel.O3, _p.Decide(S(OptLevel.O1, 1000, loopsHot: true)).Target);
        Assert.Equal(OptLevel.O2, _p.Decide(S(OptLevel.O0, 100, max: OptLevel.O2, loopsHot: true)).Target);
        Assert.Null(_p.Decide(S(OptLevel.O0, 100, inFlight: OptLevel.O1, loopsHot: true)).Target);
        Assert.Null(_p.Decide(S(OptLevel.O0, 100, pinned: OptLevel.O0, loopsHot: true)).Target);
    }

    [Fact]
    public void NothingWhileACompileIsInFlight()
    {
        var d = _p.Decide(S(OptLevel.O0, 50_000, inFlight: OptLevel.O1));
        Assert.Null(d.Target);
        Assert.Contains("in progress", d.Reason);
    }

    [Fact]
    public void GivesUpAfterRepeatedFailures()
    {
        Assert.Equal(OptLevel.O1, _p.Decide(S(OptLevel.O0, 500, failed: 2)).Target);
        Assert.Null(_p.Decide(S(OptLevel.O0, 500, failed: 3)).Target);
    }

    [Fact]
    public void RespectsPinAndMaxTier()
    {
        Assert.Null(_p.Decide(S(OptLevel.O0, 1_000_000, pinned: OptLevel.O0)).Target);
        Assert.Equal(OptLevel.O2, _p.Decide(S(OptLevel.O0, 1_000_000, max: OptLevel.O2)).Target);
        Assert.Null(_p.Decide(S(OptLevel.O2, 1_000_000, max: OptLevel.O2)).Target);
    }

    [Fact]
    public void EntriesUntilNextCountsToTheNextThreshold()
    {
        Assert.Equal(100, _p.EntriesUntilNext(OptLevel.O0, 0));
        Assert.Equal(900, _p.EntriesUntilNext(OptLevel.O1, 100));
        Assert.Equal(1, _p.EntriesUntilNext(OptLevel.O1, 5000)); // overdue: due at once
        Assert.Equal(long.MaxValue, _p.EntriesUntilNext(OptLevel.O3, 0));
    }

    [Fact]
    public void LadderValidationAndCapping()
    {
        Assert.Throws<ArgumentException>(() => new TierLadder([OptLevel.O2, OptLevel.O1], [5]).Validate());
        Assert.Throws<ArgumentException>(() => new TierLadder([OptLevel.O0, OptLevel.O1], []).Validate());
        Assert.Throws<ArgumentException>(() => new TierLadder([OptLevel.O0, OptLevel.O1, OptLevel.O2], [10, 5]).Validate());
        var capped = TierLadder.Default.CappedAt(OptLevel.O1);
        Assert.Equal([OptLevel.O0, OptLevel.O1], capped.Levels);
        Assert.Equal([100L], capped.Thresholds);
    }
}

/// <summary>--fn rules alone: parsing, glob matching, and the cap each gives.</summary>
public class FunctionRuleTests
{
    [Theory]
    [InlineData("fib", "fib", true)]
    [InlineData("fib", "fibs", false)]
    [InlineData("fib*", "fib", true)]
    [InlineData("fib*", "fibonacci", true)]
    [InlineData("*_parse", "json_parse", true)]
    [InlineData("*_parse", "json_parser", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("*a*b*", "xxbxxaxx", false)]
    [InlineData("*", "", true)]
    [InlineData("f.*", "f.1", true)]                  // dots are not special (renamed statics)
    [InlineData("f.*", "fx1", false)]
    public void GlobsMatchWholeNames(string glob, string name, bool expected) =>
        Assert.Equal(expected, new FunctionRule(glob, FunctionRuleKind.Never, OptLevel.O0).Matches(name));

    [Fact]
    public void RulesParseAndPrintBack()
    {
        var rules = FunctionRule.ParseList(" parse_*=max:O1 , main=never,hot=pin:3 ");
        Assert.Equal(["parse_*=max:O1", "main=never", "hot=pin:O3"], rules.Select(r => r.ToString()));
        Assert.Equal(new FunctionRule("hot", FunctionRuleKind.Pin, OptLevel.O3), rules[2]);
        Assert.Equal(OptLevel.O1, rules[0].Cap(OptLevel.O0));
        Assert.Equal(OptLevel.O0, rules[1].Cap(OptLevel.O0));
        Assert.Equal(OptLevel.O1, FunctionRule.Parse("f=max:O0").Cap(OptLevel.O1)); // never below the first rung
    }

    [Theory]
    [InlineData("fib", "not a function rule")]
    [InlineData("=never", "not a function rule")]
    [InlineData("  =max:O1", "names no function")]
    [InlineData("fib=", "not a function rule")]
    [InlineData("fib=fast", "'fast' is not an action")]
    [InlineData("fib=pin", "pin needs a tier")]
    [InlineData("fib=max:O7", "'O7' is not a tier")]
    [InlineData("fib=never:O2", "is not an action")]
    public void BadRulesSayWhy(string rule, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => FunctionRule.Parse(rule)).Message);
}
