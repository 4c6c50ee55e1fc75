using System.Diagnostics;
using Tierflow.Diagnostics;
using Tierflow.Tiering;

namespace Tierflow.Runtime;

/// <summary>Per-tier figures of a repeated call: the rows of the seed experiment's table.</summary>
public sealed record TierRow(string Tier, double CompileMs, long FirstCall, long LastCall, long Calls, double AvgMs, double MinMs, long CodeAddressMod64);

public sealed record CallReport(long Result, long Calls, IReadOnlyList<long> Thresholds, string Counting,
    IReadOnlyList<TierRow> Tiers, double TotalCompileMs, double TotalExecMs, double SlowestCallMs, long SlowestCallIndex);

/// <summary>
/// Calls one function with integer arguments N times through its stable address (a jump through its
/// dispatch slot, to the code every caller reaches at that moment), timing each call and attributing it to
/// the tier installed when it started. Not through the slot's content itself: this thread would then hold
/// a tier's code address in a register across managed code, where a blocking wait (a GC suspension) hides it
/// from the reclaimer, which could free that code before the call.
/// The same loop times the ahead-of-time baseline, so the two sets of numbers come from one harness.
/// </summary>
public static unsafe class CallHarness
{
    public const int MaxArgs = 6;

    /// <summary>Checks that every parameter is an integer (at most six, passed in registers) and the return is an integer or void.</summary>
    public static void RequireIntegerSignature(JitFunction f)
    {
        var i = f.Info;
        static bool IsInt(string t) => t is "i1" or "i8" or "i16" or "i32" or "i64";
        if (i.IsVarArg || i.ParamTypes.Count > MaxArgs || !i.ParamTypes.All(IsInt) || !(IsInt(i.ReturnType) || i.ReturnType == "void"))
            throw new TierflowException($"{f.Name}: 'call' takes functions of up to {MaxArgs} integer parameters returning an integer; this one is {i.Signature}", ExitCodes.BadInput);
    }

    /// <summary>
    /// On x86-64 System V the first six integer arguments travel in registers whatever their width, so
    /// every such function can be called as long(long × 6); narrower returns are truncated and sign-extended.
    /// </summary>
    public static long Invoke(nint code, long[] a) =>
        ((delegate* unmanaged<long, long, long, long, long, long, long>)code)(a[0], a[1], a[2], a[3], a[4], a[5]);

    public static long Normalize(long raw, string returnType) => returnType switch
    {
        "i1" => raw & 1,
        "i8" => (sbyte)raw,
        "i16" => (short)raw,
        "i32" => (int)raw,
        "void" => 0,
        _ => raw,
    };

    public static CallReport Run(TieredProgram p, string name, IReadOnlyList<long> args, long repeat)
    {
        var f = p.GetFunction(name);
        RequireIntegerSignature(f);
        if (args.Count != f.Info.ParamTypes.Count)
            throw new TierflowException($"{name}: expects {f.Info.ParamTypes.Count} argument(s) ({f.Signature}), got {args.Count}", ExitCodes.BadInput);
        var a = new long[MaxArgs];
        for (int i = 0; i < args.Count; i++) a[i] = args[i];

        var rows = new List<(OptLevel Tier, long First, long Last, long Calls, double Sum, double Min, nint Code)>();
        long result = 0;
        double slowest = 0, total = 0;
        long slowestAt = 0;
        long freq = Stopwatch.Frequency;
        nint entry = p.GetAddress(name);
        for (long n = 1; n <= repeat; n++)
        {
            var tier = f.Tier;
            nint code = p.CurrentCode(f); // only compared and reported (its alignment), never called
            long t0 = Stopwatch.GetTimestamp();
            long r = Invoke(entry, a);
            long t1 = Stopwatch.GetTimestamp();
            p.OnHostCall(f);
            double ms = (t1 - t0) * 1000.0 / freq;
            total += ms;
            if (ms > slowest) { slowest = ms; slowestAt = n; }
            r = Normalize(r, f.Info.ReturnType);
            if (n == 1) result = r;
            else if (r != result)
                throw new TierflowException($"{name}: call {n} returned {r} at {tier}, but call 1 returned {result}", ExitCodes.Internal);
            if (rows.Count == 0 || rows[^1].Tier != tier || rows[^1].Code != code)
                rows.Add((tier, n, n, 0, 0, double.MaxValue, code));
            var row = rows[^1];
            rows[^1] = (row.Tier, row.First, n, row.Calls + 1, row.Sum + ms, Math.Min(row.Min, ms), row.Code);
        }

        var history = f.History;
        double CompileMs(OptLevel t, bool first) =>
            first ? p.BaseCompilation.CompileMicros / 1000
                  : history.LastOrDefault(h => h.To == t && h.Succeeded)?.CompileMicros / 1000 ?? 0;
        var tiers = rows.Select((r, i) => new TierRow(r.Tier.ToString(), CompileMs(r.Tier, i == 0 && r.Tier == p.Ladder.Initial), r.First, r.Last, r.Calls,
            r.Sum / r.Calls, r.Min, r.Code % 64)).ToList();
        double compileTotal = p.BaseCompilation.CompileMicros / 1000 + history.Where(h => h.Succeeded).Sum(h => h.CompileMicros) / 1000;
        return new CallReport(result, repeat, p.Ladder.Thresholds, p.Options.Counting.ToString(), tiers, compileTotal, total, slowest, slowestAt);
    }

    /// <summary>Times a native function with the same loop (the AOT baseline).</summary>
    public static (long Result, double AvgMs, double MinMs, long AddressMod64) RunNative(nint code, string returnType, IReadOnlyList<long> args, long repeat)
    {
        var a = new long[MaxArgs];
        for (int i = 0; i < args.Count; i++) a[i] = args[i];
        double sum = 0, min = double.MaxValue;
        long result = 0;
        for (long n = 1; n <= repeat; n++)
        {
            long t0 = Stopwatch.GetTimestamp();
            long r = Invoke(code, a);
            long t1 = Stopwatch.GetTimestamp();
            double ms = (t1 - t0) * 1000.0 / Stopwatch.Frequency;
            sum += ms;
            min = Math.Min(min, ms);
            result = Normalize(r, returnType);
        }
        return (result, sum / repeat, min, code % 64);
    }
}
