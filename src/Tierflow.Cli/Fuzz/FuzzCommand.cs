using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Tierflow.Diagnostics;

namespace Tierflow.Cli.Fuzz;

/// <summary>
/// `tierflow fuzz`: differential testing with Csmith. Each seed gives one random C program; its
/// clang-19 -O2 build is the reference, and Tierflow runs the same program (as IR, made once) in every
/// mode of <see cref="Modes"/>: each eager tier, default background tiering, and tiering with small
/// thresholds so code is swapped (and frames leave loops by OSR) mid-run, on the caller and in the
/// background. Stdout and the exit code must match. A program whose reference times out or fails is
/// skipped and counted. A mismatch is saved as a reproducer: the source, the IR, the command and both
/// outputs.
/// </summary>
internal static class FuzzCommand
{
    const string CsmithInclude = "/usr/include/csmith";

    /// <summary>The modes every program runs in; `{rand}` parts are drawn per program from its seed.</summary>
    static IReadOnlyList<(string Name, Func<Random, string[]> Args)> Modes { get; } =
    [
        ("eager-O0", _ => ["--eager", "O0"]),
        ("eager-O1", _ => ["--eager", "O1"]),
        ("eager-O2", _ => ["--eager", "O2"]),
        ("eager-O3", _ => ["--eager", "O3"]),
        ("default", _ => []),
        ("stress-sync", _ => ["--stress", "--sync"]),
        ("stress-background", _ => ["--stress"]),
        ("random-sync", r => RandomThresholds(r, sync: true)),
        ("random-background", r => RandomThresholds(r, sync: false)),
    ];

    /// <summary>Small increasing thresholds and a small OSR threshold: tier switches and transfers at
    /// points that differ from program to program.</summary>
    static string[] RandomThresholds(Random r, bool sync)
    {
        int a = r.Next(1, 20), b = a + r.Next(0, 50), c = b + r.Next(0, 200);
        string[] args = ["--thresholds", $"{a},{b},{c}", "--osr-threshold", r.Next(2, 500).ToString(), r.Next(4) == 0 ? "--count-loops" : "--no-inline-callees"];
        return sync ? [.. args, "--sync"] : args;
    }

    public static int Run(CommandLine cl)
    {
        if (cl.Has("--mutate")) return MutateCommand.Run(cl, cl.Positional);
        int count = (int)cl.Long("--count", 100);
        long firstSeed = cl.Long("--seed", 1);
        double timeout = cl.Long("--timeout", 10);
        var outDir = cl.Local.GetValueOrDefault("--out") ?? "fuzz-failures";
        var jsonPath = cl.Local.GetValueOrDefault("--json");
        foreach (var tool in new[] { "csmith", "clang-19" })
            if (!OnPath(tool)) throw new TierflowException($"fuzz needs {tool} (apt-get install csmith libcsmith-dev clang-19)", ExitCodes.MissingTool);
        if (!Directory.Exists(CsmithInclude)) throw new TierflowException($"{CsmithInclude}: missing (apt-get install libcsmith-dev)", ExitCodes.MissingTool);

        var tierflow = Bench.BenchCommand.TierflowCommand();
        var scratch = Directory.CreateTempSubdirectory("tierflow-fuzz-").FullName;
        var clock = Stopwatch.StartNew();
        int compared = 0, skipped = 0, runs = 0, slowRetries = 0, slowAtO0 = 0, undefinedBehaviour = 0;
        var mismatches = new List<string>();
        var skipReasons = new Dictionary<string, int>();
        try
        {
            for (long seed = firstSeed; seed < firstSeed + count; seed++)
            {
                var c = Path.Combine(scratch, $"p{seed}.c");
                var ll = Path.ChangeExtension(c, ".ll");
                var exe = Path.ChangeExtension(c, ".native");
                // In the scratch directory: csmith writes platform.info into its working directory.
                var gen = Proc.Run("csmith", ["--seed", seed.ToString(), "-o", c], 60, workingDirectory: scratch);
                string? skip = gen.ExitCode != 0 ? "csmith failed"
                    : Proc.Run("clang-19", ["-O2", "-w", "-I", CsmithInclude, "-o", exe, c], 120).ExitCode != 0 ? "reference does not build"
                    : Proc.Run("clang-19", [.. Frontend.Clang.FrontEndFlags.Where(f => f != "-c"), "-S", "-w", "-I", CsmithInclude, "-o", ll, c], 120).ExitCode != 0 ? "IR does not build"
                    : null;
                Proc.Result? reference = null;
                if (skip == null)
                {
                    reference = Proc.Run(exe, [], timeout);
                    if (reference.TimedOut) skip = $"reference takes over {timeout} s";
                    else if (reference.ExitCode != 0) skip = "reference exits non-zero";
                }
                if (skip != null)
                {
                    skipped++;
                    skipReasons[skip] = skipReasons.GetValueOrDefault(skip) + 1;
                    Console.Error.WriteLine($"seed {seed}: skipped ({skip})");
                    continue;
                }
                compared++;
                var random = new Random((int)seed);
                var bad = new List<string>();
                foreach (var (name, args) in Modes)
                {
                    var modeArgs = args(random);
                    string[] command = [.. tierflow.Skip(1), "run", ll, .. modeArgs];
                    double limit = Math.Max(timeout, 20 * reference!.Seconds + 5);
                    var r = Proc.Run(tierflow[0], command, limit);
                    // A time-out on a loaded machine is not yet a hang: once more with four times the time.
                    if (r.TimedOut) { slowRetries++; r = Proc.Run(tierflow[0], command, 4 * limit); }
                    runs++;
                    if (r.Stdout == reference.Stdout && r.ExitCode == reference.ExitCode && !r.TimedOut) continue;
                    // clang -O2 may delete loops that run for minutes when kept: if the program's -O0 build
                    // also times out, the time-out is the program's, not Tierflow's.
                    if (r.TimedOut && SlowAtO0(c, 4 * limit)) { slowAtO0++; continue; }
                    bad.Add(name);
                    SaveReproducer(outDir, seed, name, c, ll, tierflow[0], command, reference, r);
                }
                // The reference is only as good as the program: Csmith can generate a loop that never ends, which
                // clang -O1/-O2 then delete (C11 lets them assume loops with a non-constant condition terminate),
                // falling into whatever follows. Tierflow's optimizing tiers make the same assumption and fall
                // somewhere else. When the clang -O0 build does not agree with the -O2 reference, the program's
                // behaviour is undefined: it is counted apart, not as a mismatch, and its reproducers say so.
                if (bad.Count > 0 && ReferenceIsUndefined(c, reference!, Math.Max(timeout, 20 * reference!.Seconds + 5)) is { } why)
                {
                    compared--;
                    undefinedBehaviour++;
                    foreach (var name in bad)
                        File.AppendAllText(Path.Combine(outDir, $"seed-{seed}-{name}", "README.txt"), $"\n# explained: undefined behaviour, {why}\n");
                    Console.Error.WriteLine($"seed {seed}: undefined behaviour ({why}); Tierflow differed in {string.Join(", ", bad)}");
                    continue;
                }
                Console.Error.WriteLine($"seed {seed}: {(bad.Count == 0 ? $"ok in {Modes.Count} modes" : $"MISMATCH in {string.Join(", ", bad)}")} ({reference!.Seconds * 1000:F0} ms native)");
                if (bad.Count > 0) mismatches.Add($"seed {seed}: {string.Join(", ", bad)}");
            }
        }
        finally { try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } }

        var summary = $"fuzz: seeds {firstSeed}..{firstSeed + count - 1}: {compared} programs compared in {Modes.Count} modes ({runs} runs), " +
                      $"{skipped} skipped ({string.Join(", ", skipReasons.Select(kv => $"{kv.Value} {kv.Key}"))}), " +
                      $"{undefinedBehaviour} with undefined behaviour (clang -O0 and -O2 disagree), {mismatches.Count} with mismatches, " +
                      $"{slowRetries} run(s) retried after a time-out ({slowAtO0} of them too slow in the native -O0 build as well), " +
                      $"{clock.Elapsed.TotalMinutes:F1} min";
        Console.WriteLine(summary);
        foreach (var m in mismatches) Console.WriteLine($"  {m} (reproducer in {outDir})");
        if (jsonPath != null)
            File.WriteAllText(jsonPath, new JsonObject
            {
                ["first_seed"] = firstSeed, ["count"] = count, ["compared"] = compared, ["skipped"] = skipped, ["runs"] = runs, ["retried_after_timeout"] = slowRetries, ["slow_at_O0"] = slowAtO0, ["undefined_behaviour"] = undefinedBehaviour,
                ["modes"] = new JsonArray(Modes.Select(m => (JsonNode)m.Name).ToArray()),
                ["mismatches"] = new JsonArray(mismatches.Select(m => (JsonNode)m).ToArray()),
                ["minutes"] = Math.Round(clock.Elapsed.TotalMinutes, 2),
            }.ToJsonString());
        return mismatches.Count == 0 ? 0 : 1;
    }

    static void SaveReproducer(string outDir, long seed, string mode, string c, string ll, string exe, string[] command, Proc.Result expected, Proc.Result actual)
    {
        var dir = Path.Combine(outDir, $"seed-{seed}-{mode}");
        Directory.CreateDirectory(dir);
        File.Copy(c, Path.Combine(dir, "prog.c"), overwrite: true);
        File.Copy(ll, Path.Combine(dir, "prog.ll"), overwrite: true);
        var text = new StringBuilder()
            .AppendLine($"# csmith --seed {seed}; reference: clang-19 -O2 -w -I {CsmithInclude} prog.c")
            .AppendLine($"{exe} {string.Join(' ', command.Select(a => a.Contains(' ') ? $"'{a}'" : a))}".Replace(ll, "prog.ll"))
            .AppendLine($"# expected: exit {expected.ExitCode}").AppendLine(expected.Stdout)
            .AppendLine($"# actual: exit {actual.ExitCode}{(actual.TimedOut ? " (timed out)" : "")}").AppendLine(actual.Stdout)
            .AppendLine("# actual stderr").AppendLine(actual.Stderr);
        File.WriteAllText(Path.Combine(dir, "README.txt"), text.ToString());
    }

    /// <summary>Why the -O2 reference cannot be trusted (the -O0 build of the same program times out or ends
    /// differently), or null when the two agree.</summary>
    static string? ReferenceIsUndefined(string c, Proc.Result reference, double limit)
    {
        var exe = c + ".O0";
        if (!File.Exists(exe) && Proc.Run("clang-19", ["-O0", "-w", "-I", CsmithInclude, "-o", exe, c], 120).ExitCode != 0) return null;
        var o0 = Proc.Run(exe, [], limit);
        if (o0.TimedOut) return $"its clang -O0 build runs over {limit:F0} s while the -O2 build ends at once";
        if (o0.Stdout != reference.Stdout || o0.ExitCode != reference.ExitCode) return "its clang -O0 and -O2 builds print different results";
        return null;
    }

    static bool SlowAtO0(string c, double limit)
    {
        var exe = c + ".O0";
        if (!File.Exists(exe) && Proc.Run("clang-19", ["-O0", "-w", "-I", CsmithInclude, "-o", exe, c], 120).ExitCode != 0) return false;
        return Proc.Run(exe, [], limit).TimedOut;
    }

    static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}

/// <summary>A child process with a time limit; output captured.</summary>
internal static class Proc
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut, double Seconds);

    public static Result Run(string exe, IEnumerable<string> args, double timeoutSeconds, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool done = p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds));
        if (!done) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } p.WaitForExit(); }
        return new Result(done ? p.ExitCode : -1, stdout.Result, stderr.Result, !done, sw.Elapsed.TotalSeconds);
    }
}
