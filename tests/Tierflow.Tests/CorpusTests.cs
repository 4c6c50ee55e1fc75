using System.Collections.Concurrent;

namespace Tierflow.Tests;

/// <summary>
/// File-driven differential tests: every program in tests/corpus (C, and C++ run with libstdc++) runs under the
/// tierflow CLI in every mode below, and its stdout, stderr and exit code must equal those of its clang-19 -O2
/// native build (clang++-19 for C++).
/// The header comments of each file give its arguments and extra clang flags (tests/corpus/README.md).
/// </summary>
public class CorpusTests
{
    public static readonly string[][] Modes =
    [
        ["--eager", "O0"],
        ["--eager", "O1"],
        ["--eager", "O2"],
        ["--eager", "O3"],
        [],                                   // the default ladder and thresholds, background compiles
        ["--stress"],                         // tier up after 1-2 calls: swaps mid-run, background
        ["--stress", "--sync"],               // the same, compiled on the calling thread (deterministic)
        ["--stress", "--compile-threads", "2"],
        ["--ladder", "O0,O2", "--thresholds", "3"],
        ["--sync", "--osr-threshold", "37"],  // default tiering, calls leave O0 by OSR at varying loops
        // Per-function rules: every function compiled at O2 at load (`main` too, but the last rule caps it at
        // O1, so its loops leave O0 by OSR into a continuation compiled at O1)
        ["--sync", "--osr-threshold", "50", "--fn", "*=pin:O2,main=max:O1"],
        // Each function compiled at its first call, with its callees: by default, and racing tier-ups on two workers
        ["--lazy"],
        ["--lazy", "--stress", "--compile-threads", "2"],
    ];

    /// <summary>The corpus's programs: its .c and .cpp files (tests/corpus/parts holds no programs).</summary>
    static IEnumerable<string> Programs() =>
        Directory.GetFiles(TestSupport.CorpusDir, "*.c").Concat(Directory.GetFiles(TestSupport.CorpusDir, "*.cpp")).Order();

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Programs())
            for (int m = 0; m < Modes.Length; m++)
                if (!LoopModeForCxx(Path.GetFileName(file), Modes[m]))
                    data.Add(Path.GetFileName(file), string.Join(' ', Modes[m]));
        return data;
    }

    /// <summary>
    /// The C++ programs but cxx_exceptions.cpp (whose hot loop in main holds landing pads) skip the modes about
    /// loops and pinning (the ladder without O1, --fn pins, OSR at odd thresholds): their hundreds of template
    /// functions make those runs the suite's slowest, and their point is the C++ runtime, not loops.
    /// </summary>
    static bool LoopModeForCxx(string name, string[] mode) =>
        name.EndsWith(".cpp") && name != "cxx_exceptions.cpp" && (mode.Contains("--ladder") || mode.Contains("--fn") || mode.Contains("--osr-threshold"));

    static readonly ConcurrentDictionary<string, Lazy<TestSupport.Result>> Native = new();

    static string Header(string file, string key) =>
        File.ReadLines(file).Take(10).FirstOrDefault(l => l.StartsWith($"// {key}:"))?[(key.Length + 4)..].Trim() ?? "";

    static string[] Split(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The program's files: the corpus file, then those its `// with:` header names (relative to the corpus).</summary>
    static string[] Inputs(string file) => [file, .. Split(Header(file, "with")).Select(w => Path.Combine(TestSupport.CorpusDir, w))];

    static TestSupport.Result Expected(string file) => Native.GetOrAdd(file, f => new Lazy<TestSupport.Result>(() =>
    {
        var exe = Path.Combine(TestSupport.Scratch, Path.GetFileNameWithoutExtension(f) + ".native");
        var build = TestSupport.Run(f.EndsWith(".cpp") ? "clang++-19" : "clang-19", new[] { "-O2" }.Concat(Split(Header(f, "cflags"))).Concat(["-o", exe, .. Inputs(f), "-lm", "-pthread"]));
        Assert.True(build.ExitCode == 0, $"native build failed: {build.Stderr}");
        return TestSupport.Run(exe, Split(Header(f, "args")));
    })).Value;

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNativeBuild(string name, string mode)
    {
        var file = Path.Combine(TestSupport.CorpusDir, name);
        var expected = Expected(file);
        List<string> args = ["run", .. Inputs(file)];
        args.AddRange(Split(Header(file, "cflags")));
        args.AddRange(Split(mode));
        args.Add("--");
        args.AddRange(Split(Header(file, "args")));
        var actual = TestSupport.Tierflow(args);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(expected.Stderr, actual.Stderr);
        Assert.Equal(expected.ExitCode, actual.ExitCode);
    }

    /// <summary>Fault kinds (issue 4) run over the whole corpus: each must leave the output the native build's.
    /// "fatal" needs a background worker (a fatal error on the program's own thread ends the process).</summary>
    public static readonly string[][] FaultModes =
    [
        ["--stress", "--sync", "--inject-random-failures", "0.3:5"],
        ["--stress", "--sync", "--inject-compile-failure", "*@O3:link"],
        ["--stress", "--inject-compile-failure", "*@O2:fatal,*@osr:fatal"],
    ];

    /// <summary>The C programs, and one C++ program: a C++ program's hundreds of template functions make each fault
    /// mode cost 10-40 s, and what the faults exercise (a failed compile leaves the function at its tier) is the
    /// same code for C++; cxx_exceptions.cpp keeps failed compiles and unwinding together.</summary>
    public static TheoryData<string, string> FaultCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Programs().Where(f => f.EndsWith(".c") || f.EndsWith("cxx_exceptions.cpp")))
            foreach (var mode in FaultModes) data.Add(Path.GetFileName(file), string.Join(' ', mode));
        return data;
    }

    [Theory]
    [MemberData(nameof(FaultCases))]
    public void FaultsLeaveTheOutputUnchanged(string name, string mode) => MatchesNativeBuild(name, mode);

    public static TheoryData<string> Files() => new(Programs().Select(f => Path.GetFileName(f)!));

    /// <summary>
    /// Issue 5 on every corpus program: a run that fills a cache directory (objects, IR, profile), a second
    /// run warm from it (profile-driven promotion at load, objects linked from the cache), and the native
    /// executable `tierflow export` makes with that profile: all three must match the clang -O2 build.
    /// </summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void CachedRunsAndExportMatchNativeBuild(string name)
    {
        var file = Path.Combine(TestSupport.CorpusDir, name);
        var expected = Expected(file);
        var cache = Directory.CreateTempSubdirectory("tf-corpus-cache-").FullName;
        foreach (var run in new[] { "cold", "warm" })
        {
            List<string> args = ["run", .. Inputs(file), "--cache-dir", cache, "--stress"];
            args.AddRange(Split(Header(file, "cflags")));
            args.Add("--");
            args.AddRange(Split(Header(file, "args")));
            var actual = TestSupport.Tierflow(args);
            Assert.True(expected.Stdout == actual.Stdout, $"{run} run: stdout differs");
            Assert.Equal(expected.Stderr, actual.Stderr);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
        }
        var exe = Path.Combine(cache, "exported");
        List<string> exportArgs = ["export", .. Inputs(file), "-o", exe, "--cache-dir", cache, .. Split(Header(file, "cflags"))];
        var export = TestSupport.Tierflow(exportArgs);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("tierflow: profile of 2 run(s)", export.Stdout);
        var native = TestSupport.Run(exe, Split(Header(file, "args")));
        Assert.Equal(expected.Stdout, native.Stdout);
        Assert.Equal(expected.Stderr, native.Stderr);
        Assert.Equal(expected.ExitCode, native.ExitCode);
    }
}
