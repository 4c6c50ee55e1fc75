using System.Text;

namespace Tierflow.Runtime;

/// <summary>The --stats summary: one row per function that was entered or compiled.</summary>
internal static class Statistics
{
    public static string Format(TieredProgram p)
    {
        var sb = new StringBuilder();
        var b = p.BaseCompilation;
        sb.AppendLine($"[tierflow] {p.Name}: loaded in {p.LoadMicros / 1000:F2} ms (parse {p.ParseMicros / 1000:F2} ms, " +
                      $"prepare {p.PrepareMicros / 1000:F2} ms, base object at {b.To}: opt {b.OptimizeMicros / 1000:F2} ms, " +
                      $"codegen {b.CodegenMicros / 1000:F2} ms, link {b.LinkMicros / 1000:F2} ms); ladder {p.Ladder}");
        var all = p.Compilations;
        var tiers = all.Where(c => !c.IsOsr && c.From != null).ToList();
        var osr = all.Where(c => c.IsOsr).ToList();
        sb.AppendLine($"[tierflow] {tiers.Count} tier-up compilation(s), {tiers.Count(c => !c.Succeeded)} failed, " +
                      $"{all.Sum(c => c.CompileMicros) / 1000:F2} ms compiling in total");
        if (p.Lazy)
        {
            var firsts = all.Where(c => !c.IsOsr && c.From == null).ToList();
            sb.AppendLine($"[tierflow] --lazy: {p.Functions.Count(f => f.Compiled)} of {p.Functions.Count} function(s) compiled, " +
                          $"{firsts.Count(c => c.Succeeded)} of them on their first call ({firsts.Sum(c => c.CompileMicros) / 1000:F2} ms)");
        }
        if (GuestHeap.Status is { } heap) sb.AppendLine($"[tierflow] {heap}");
        if (p.Cache is { } cache)
            sb.AppendLine($"[tierflow] code cache: {cache.Hits} hit(s), {cache.Misses} miss(es) ({cache.Corrupt} damaged), {cache.Published} published; {cache.Root}");
        if (p.Reclaimer is { } r)
            sb.AppendLine($"[tierflow] replaced code: {p.FreedObjects} object(s) freed ({p.FreedBytes} B of code), {r.Waiting} still waiting");
        if (p.Functions.Any(f => f.Info.BranchCount > 0 || f.Info.SwitchWidths.Count > 0))
        {
            // Loops' exit tests are numbered but not counted (BranchProfile.Counted).
            var branches = p.Functions.Where(f => f.Info.BranchCount > 0)
                .SelectMany(f => p.GetBranchCounts(f.Name).Where((_, k) => f.Info.CountedBranches[k])).ToList();
            var switches = p.Functions.Where(f => f.Info.SwitchWidths.Count > 0).SelectMany(f => p.GetSwitchCounts(f.Name)).ToList();
            int exits = p.Functions.Sum(f => f.Info.CountedBranches.Count(c => !c));
            sb.AppendLine($"[tierflow] branch profile (O0, O1): {branches.Count(x => x.Total > 0)} of {branches.Count} counted branch(es) and " +
                          $"{switches.Count(x => x.Sum() > 0)} of {switches.Count} switch(es) ran; {exits} loop exit test(s) not counted");
        }
        if (p.OsrEnabled)
            sb.AppendLine($"[tierflow] {osr.Count} OSR continuation(s), {osr.Count(c => !c.Succeeded)} failed, " +
                          $"{p.Functions.Sum(f => f.OsrTransfers)} transfer(s)");
        sb.AppendLine($"[tierflow] {"function",-28} {"tier",4} {"entries",14} {"compiles",8} {"compile ms",10} {"osr",5}");
        foreach (var f in p.Functions.OrderByDescending(f => f.Entries))
        {
            var h = f.History;
            if (f.Entries == 0 && h.Count == 0) continue;
            sb.AppendLine($"[tierflow] {Trim(f.Name),-28} {f.Tier,4} {f.Entries,14} {h.Count,8} {h.Sum(c => c.CompileMicros) / 1000,10:F2} {f.OsrTransfers,5}" +
                          (f.Rule is { } rule ? $"  --fn {rule}" : ""));
        }
        // Every continuation and how long it took to build; then where frames left their loops.
        foreach (var c in osr)
        {
            sb.AppendLine($"[tierflow] OSR {Trim(c.Function)}: {c.From} → {c.To} (asked at loop {c.OsrLoop}), " +
                          (c.Succeeded ? $"built in {c.CompileMicros / 1000:F2} ms" : $"FAILED: {c.Error}"));
        }
        foreach (var f in p.Functions.Where(f => f.OsrTransfers > 0))
        {
            string at;
            lock (f.Gate) at = string.Join(", ", f.Osr.Transfers.Select(kv => $"{f.Loops.FirstOrDefault(l => l.Id == kv.Key)?.Name ?? $"bb{kv.Key}"} ×{kv.Value}"));
            sb.AppendLine($"[tierflow] OSR {Trim(f.Name)}: {f.OsrTransfers} transfer(s) at {at}");
        }
        return sb.ToString();
    }

    static string Trim(string s) => s.Length <= 28 ? s : s[..25] + "...";
}
