using System.Text;

namespace Tierflow.Runtime;

/// <summary>The --stats summary: one row per function that was entered or compiled.</summary>
internal static class Statistics
{
    public static string Format(TieredProgram p)
    {
        var sb = new StringBuilder();
        var b = p.BaseCompilation;
        sb.AppendLine($"[tierflow] {p.Name}: loaded in {p.LoadMicros / 1000:F2} ms (base object at {b.To}: opt {b.OptimizeMicros / 1000:F2} ms, " +
                      $"codegen {b.CodegenMicros / 1000:F2} ms, link {b.LinkMicros / 1000:F2} ms); ladder {p.Ladder}");
        var all = p.Compilations;
        sb.AppendLine($"[tierflow] {all.Count} tier-up compilation(s), {all.Count(c => !c.Succeeded)} failed, " +
                      $"{all.Sum(c => c.CompileMicros) / 1000:F2} ms compiling in total");
        sb.AppendLine($"[tierflow] {"function",-28} {"tier",4} {"entries",14} {"compiles",8} {"compile ms",10}");
        foreach (var f in p.Functions.OrderByDescending(f => f.Entries))
        {
            var h = f.History;
            if (f.Entries == 0 && h.Count == 0) continue;
            sb.AppendLine($"[tierflow] {Trim(f.Name),-28} {f.Tier,4} {f.Entries,14} {h.Count,8} {h.Sum(c => c.CompileMicros) / 1000,10:F2}");
        }
        return sb.ToString();
    }

    static string Trim(string s) => s.Length <= 28 ? s : s[..25] + "...";
}
