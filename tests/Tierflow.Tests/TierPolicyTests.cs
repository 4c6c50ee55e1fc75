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
