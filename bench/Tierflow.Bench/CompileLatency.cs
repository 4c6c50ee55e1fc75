using System.Diagnostics;
using Tierflow.Frontend;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Bench;

/// <summary>
/// Compile latency of fibonacci (the seed's function) in one process: the first load (cold: LLVM and
/// .NET warming up) and then N more loads (warm). For each: the base compile (the whole module at O0:
/// optimize + codegen + link) and a forced compile at O1, O2 and O3. Reports min and median, in ms.
/// </summary>
internal static class CompileLatency
{
    const string Fib = "int fibonacci(int n) { if (n <= 1) return n; return fibonacci(n - 1) + fibonacci(n - 2); }\n";

    public static void Run(int rounds)
    {
        var dir = Directory.CreateTempSubdirectory("tierflow-bench-").FullName;
        var src = Path.Combine(dir, "fibonacci.c");
        File.WriteAllText(src, Fib);
        var source = ProgramSource.FromFile(src); // clang runs once; every round parses the same IR
        var samples = new Dictionary<string, List<double>>();
        void Add(string k, double ms) { if (!samples.TryGetValue(k, out var l)) samples[k] = l = []; l.Add(ms); }
        for (int round = 0; round <= rounds; round++)
        {
            var sw = Stopwatch.StartNew();
            using var p = TieredProgram.Load(source, new TierflowOptions { Sync = true });
            double load = sw.Elapsed.TotalMilliseconds;
            string phase = round == 0 ? "cold" : "warm";
            Add($"{phase} load (parse+prepare+O0 compile+link)", load);
            Add($"{phase} O0 base compile (opt+codegen+link)", p.BaseCompilation.CompileMicros / 1000);
            Add($"{phase} O0 base: optimize", p.BaseCompilation.OptimizeMicros / 1000);
            Add($"{phase} O0 base: codegen", p.BaseCompilation.CodegenMicros / 1000);
            Add($"{phase} O0 base: link", p.BaseCompilation.LinkMicros / 1000);
            // The first round's compiler is new (its context, target machines and template are created by
            // the first compile); later rounds reuse a program whose compiler has already worked, as a
            // long-running worker does.
            int repeats = round == 0 ? 1 : 3;
            for (int k = 0; k < repeats; k++)
                foreach (var level in new[] { OptLevel.O1, OptLevel.O2, OptLevel.O3 })
                {
                    var r = p.ForceTier("fibonacci", level);
                    if (round > 0 && k == 0) continue;
                    Add($"{phase} {level} compile (opt+codegen+link)", r.CompileMicros / 1000);
                    Add($"{phase} {level}: optimize", r.OptimizeMicros / 1000);
                    Add($"{phase} {level}: codegen", r.CodegenMicros / 1000);
                    Add($"{phase} {level}: link", r.LinkMicros / 1000);
                }
        }
        Console.WriteLine($"| measurement | n | min ms | median ms |");
        Console.WriteLine($"|---|---|---|---|");
        foreach (var (k, v) in samples)
        {
            v.Sort();
            Console.WriteLine($"| {k} | {v.Count} | {v[0]:F3} | {v[v.Count / 2]:F3} |");
        }
        Directory.Delete(dir, true);
    }
}
