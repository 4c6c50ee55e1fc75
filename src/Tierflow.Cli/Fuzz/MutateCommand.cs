using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Tierflow.Diagnostics;

namespace Tierflow.Cli.Fuzz;

/// <summary>
/// `tierflow fuzz --mutate FILE...`: bad input, generated. Each iteration takes one of the given valid
/// .ll/.bc files, damages it with a few seeded mutations (flipped, inserted, deleted or duplicated bytes
/// and lines, truncation), and runs it under Tierflow. Acceptable outcomes: a clean refusal (one of the
/// documented exit codes, with a message naming the file), or a run whose end matches the native build of
/// the same (still valid) IR: same exit code, or the same signal. Anything else (a crash, an abort or a
/// hang Tierflow caused) is saved as a reproducer.
/// </summary>
internal static class MutateCommand
{
    static readonly int[] Refusals = [ExitCodes.Usage, ExitCodes.BadInput, ExitCodes.NoInput, ExitCodes.Unresolved, ExitCodes.Internal, ExitCodes.MissingTool];

    public static int Run(CommandLine cl, IReadOnlyList<string> inputs)
    {
        int count = (int)cl.Long("--count", 500);
        long seed = cl.Long("--seed", 1);
        double timeout = cl.Long("--timeout", 10);
        var outDir = cl.Local.GetValueOrDefault("--out") ?? "fuzz-failures";
        var jsonPath = cl.Local.GetValueOrDefault("--json");
        foreach (var f in inputs)
            if (!File.Exists(f)) throw new TierflowException($"{f}: no such file", ExitCodes.NoInput);
        var originals = inputs.Select(File.ReadAllBytes).ToList();
        var tierflow = Bench.BenchCommand.TierflowCommand();
        var scratch = Directory.CreateTempSubdirectory("tierflow-mutate-").FullName;
        var random = new Random((int)seed);
        var clock = Stopwatch.StartNew();
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        try
        {
            for (int n = 0; n < count; n++)
            {
                int which = random.Next(inputs.Count);
                var ext = Path.GetExtension(inputs[which]);
                var bytes = Mutate(originals[which], random, ext == ".ll");
                var path = Path.Combine(scratch, $"m{n}{ext}");
                File.WriteAllBytes(path, bytes);
                var r = Proc.Run(tierflow[0], [.. tierflow.Skip(1), "run", path], timeout);
                string outcome;
                string? bad = null;
                if (!r.TimedOut && Refusals.Contains(r.ExitCode))
                {
                    outcome = $"refused ({r.ExitCode})";
                    if (!r.Stderr.Contains(path)) bad = "the message does not name the file";
                }
                else
                {
                    // It ran (or crashed, or hung): the native build of the same IR must end the same way.
                    var exe = path + ".native";
                    var build = Proc.Run("clang-19", ["-O0", "-w", "-o", exe, path, "-lm"], 120);
                    if (build.ExitCode != 0) { outcome = "ran, no native build"; bad = r.TimedOut || r.ExitCode >= 128 ? "crashed or hung on IR that clang rejects" : null; }
                    else
                    {
                        var native = Proc.Run(exe, [], timeout);
                        outcome = r.TimedOut ? "timed out" : r.ExitCode >= 128 ? $"signal {r.ExitCode - 128}" : "ran";
                        if (r.TimedOut != native.TimedOut || (!r.TimedOut && r.ExitCode != native.ExitCode))
                            bad = $"native build: {(native.TimedOut ? "timed out" : $"exit {native.ExitCode}")}, tierflow: {(r.TimedOut ? "timed out" : $"exit {r.ExitCode}")}";
                    }
                }
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (bad == null) continue;
                var dir = Path.Combine(outDir, $"mutant-{seed}-{n}");
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, "input" + ext), bytes);
                File.WriteAllText(Path.Combine(dir, "README.txt"),
                    $"# from {inputs[which]}, tierflow fuzz --mutate --seed {seed}, iteration {n}\n# {bad}\n# exit {r.ExitCode}{(r.TimedOut ? " (timed out)" : "")}\n{r.Stderr}");
                failures.Add($"iteration {n} ({Path.GetFileName(inputs[which])}): {bad}");
                Console.Error.WriteLine($"mutant {n}: {bad}");
            }
        }
        finally { try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } }

        Console.WriteLine($"fuzz --mutate: {count} mutants of {inputs.Count} file(s), seed {seed}, {clock.Elapsed.TotalMinutes:F1} min: " +
                          string.Join(", ", outcomes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value} {kv.Key}")) +
                          $"; {failures.Count} failure(s)");
        foreach (var f in failures) Console.WriteLine($"  {f} (reproducer in {outDir})");
        if (jsonPath != null)
            File.WriteAllText(jsonPath, new JsonObject
            {
                ["seed"] = seed, ["count"] = count, ["inputs"] = new JsonArray(inputs.Select(i => (JsonNode)i).ToArray()),
                ["outcomes"] = new JsonObject(outcomes.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["failures"] = new JsonArray(failures.Select(f => (JsonNode)f).ToArray()),
                ["minutes"] = Math.Round(clock.Elapsed.TotalMinutes, 2),
            }.ToJsonString());
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>One to four damages: byte flips, random bytes inserted, a range deleted, a line duplicated or
    /// dropped (text), truncation.</summary>
    static byte[] Mutate(byte[] input, Random r, bool text)
    {
        var b = new List<byte>(input);
        int damages = r.Next(1, 5);
        for (int d = 0; d < damages && b.Count > 0; d++)
        {
            int at = r.Next(b.Count);
            switch (r.Next(text ? 6 : 4))
            {
                case 0: b[at] = (byte)r.Next(256); break;
                case 1: b.InsertRange(at, Enumerable.Range(0, r.Next(1, 8)).Select(_ => (byte)r.Next(256))); break;
                case 2: b.RemoveRange(at, Math.Min(b.Count - at, r.Next(1, 64))); break;
                case 3: b.RemoveRange(at, b.Count - at); break; // truncated
                case 4: // a line duplicated
                case 5: // a line dropped
                {
                    var lines = Encoding.UTF8.GetString(b.ToArray()).Split('\n').ToList();
                    int k = r.Next(lines.Count);
                    if (d % 2 == 0) lines.Insert(k, lines[k]); else lines.RemoveAt(k);
                    b = [.. Encoding.UTF8.GetBytes(string.Join('\n', lines))];
                    break;
                }
            }
        }
        return [.. b];
    }
}
