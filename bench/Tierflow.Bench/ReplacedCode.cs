using System.Diagnostics;
using System.Runtime.InteropServices;
using Tierflow.Options;
using Tierflow.Runtime;
using Tierflow.Tiering;

namespace Tierflow.Bench;

/// <summary>
/// Code memory of a library host over many tier changes: four host threads serve "requests" (a burst of calls
/// into the program's functions, then a short sleep, as a server's threads wait for work) while the host
/// forces the functions' tiers up and down, N times in all. Printed every N/8 forces, with replaced code freed
/// (the default) and kept until Dispose (KeepReplacedCode): the process's RSS, the objects freed and those still
/// waiting. Every call's result is checked.
/// </summary>
internal static class ReplacedCode
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate long LongToLong(long x);

    // Six functions of a few hundred bytes of code each at O2 (loops, a table, a switch).
    const string Source = """
        #define F(n) long f##n(long x) { \
            long s = 0; static const int t[8] = {n, 3, 5, 7, 11, 13, 17, 19}; \
            for (int i = 0; i < 16; i++) { \
                switch ((x + i) & 3) { case 0: s += t[i & 7] * x; break; case 1: s ^= x >> (i & 7); break; \
                                       case 2: s -= (x * n) % 97; break; default: s += i * n; } \
            } \
            return s; }
        F(1) F(2) F(3) F(4) F(5) F(6)
        """;

    static long Reference(int n, long x)
    {
        long s = 0;
        int[] t = [n, 3, 5, 7, 11, 13, 17, 19];
        for (int i = 0; i < 16; i++)
        {
            switch ((x + i) & 3)
            {
                case 0: s += t[i & 7] * x; break;
                case 1: s ^= x >> (i & 7); break;
                case 2: s -= (x * n) % 97; break;
                default: s += i * n; break;
            }
        }
        return s;
    }

    public static void Run(int forces)
    {
        var dir = Directory.CreateTempSubdirectory("tierflow-bench-").FullName;
        var src = Path.Combine(dir, "six.c");
        File.WriteAllText(src, Source);
        Console.WriteLine($"# Replaced code in a library host: {forces} forced tier changes under 4 serving threads");
        Console.WriteLine();
        Console.WriteLine("| replaced code | forces | RSS MB | objects freed | freed code KB | waiting | calls | wrong |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (bool keep in new[] { false, true })
        {
            using var p = TieredProgram.Load(src, new TierflowOptions { Sync = true, KeepReplacedCode = keep });
            var fs = Enumerable.Range(1, 6).Select(n => p.GetDelegate<LongToLong>($"f{n}")).ToArray();
            long calls = 0, wrong = 0;
            int stop = 0;
            var threads = Enumerable.Range(0, 4).Select(k => new Thread(() =>
            {
                long i = k;
                while (Volatile.Read(ref stop) == 0)
                {
                    for (int c = 0; c < 1000; c++, i++)
                    {
                        int n = (int)(i % 6) + 1;
                        if (fs[n - 1](i) != Reference(n, i)) Interlocked.Increment(ref wrong);
                    }
                    Interlocked.Add(ref calls, 1000);
                    Thread.Sleep(1); // waiting for the next request: blocked in a system call
                }
            })).ToArray();
            foreach (var t in threads) t.Start();
            var ladder = new[] { OptLevel.O1, OptLevel.O2, OptLevel.O3 };
            for (int k = 1; k <= forces; k++)
            {
                p.ForceTier($"f{(k % 6) + 1}", ladder[(k / 6) % ladder.Length]);
                if (k % (forces / 8) == 0)
                {
                    var s = p.ReplacedCode;
                    Console.WriteLine($"| {(keep ? "kept" : "freed")} | {k} | {Rss() / 1e6:F1} | {s.FreedObjects} | {s.FreedBytes / 1024.0:F0} | {s.Waiting} | {Interlocked.Read(ref calls)} | {Interlocked.Read(ref wrong)} |");
                }
            }
            Volatile.Write(ref stop, 1);
            foreach (var t in threads) t.Join();
        }
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }
}
