using Tierflow.Diagnostics;
using Tierflow.Export;
using Tierflow.Frontend;
using Tierflow.Persistence;

namespace Tierflow.Cli;

/// <summary>`tierflow export`, `tierflow coverage` and `tierflow cache`: what runs leave behind, put to use.</summary>
internal static class PersistenceCommands
{
    public static int Export(CommandLine cl)
    {
        const string usage = "usage: tierflow export PROGRAM [MORE.{c,ll,bc,o,a}...] -o OUT [--profile FILE] [--shared | --entry NAME]";
        if (!cl.Local.TryGetValue("-o", out var output) || output == null) throw new TierflowException(usage, ExitCodes.Usage);
        var inputs = Commands.Inputs(cl, "export", usage);
        var path = string.Join(' ', inputs);
        var (ir, objects) = InputFiles.SplitProgram(inputs); // objects and archives go to clang's link
        foreach (var o in objects) // said here, rather than by the linker
            if (!File.Exists(o)) throw new TierflowException($"{o}: no such file", ExitCodes.NoInput);
        var source = ProgramSource.FromFiles(ir, cl.ClangArgs, cl.Options.CacheDir);
        // --profile FILE, else the cache directory's profile of this module, else none (everything at O3).
        var profilePath = cl.Options.ProfilePath
            ?? (cl.Options.CacheDir is { } dir ? Path.Combine(dir, "profiles", Profile.ModuleKey(source.Ir) + ".json") : null);
        Profile? profile = null;
        if (profilePath != null)
        {
            if (File.Exists(profilePath)) profile = Profile.Read(profilePath);
            else if (cl.Options.ProfilePath != null) throw new TierflowException($"{profilePath}: no such profile", ExitCodes.NoInput);
        }
        var r = NativeExport.Run(source, output, profile, cl.Has("--shared"), cl.Options.FastFloat, cl.Libraries,
            cl.Options.InlineCallees ? cl.Options.RecursiveInlineLevel : 0, cl.Options.MallocTuning, ir, objects, cl.Local.GetValueOrDefault("--entry"));
        Console.WriteLine($"tierflow: exported {path} to {r.Output} ({r.Bytes} bytes, {(cl.Has("--shared") ? "shared library" : "executable")}; " +
                          $"opt {r.OptimizeMs:F1} ms, codegen {r.CodegenMs:F1} ms, link {r.LinkMs:F1} ms)");
        Console.WriteLine(profile == null
            ? "tierflow: no profile: every function compiled at O3"
            : $"tierflow: profile of {profile.Runs} run(s): {r.Hot} hot (O3, hot), {r.Warm} warm (O3), {r.Cold} cold (optsize), " +
              $"{r.NeverRun} never run (cold, minsize), {r.Unprofiled} not in the profile (O3); branch weights on {r.Weighted} branches and switches");
        if (r.RecursionInlined.Count > 0)
            Console.WriteLine($"tierflow: recursion inlined {cl.Options.RecursiveInlineLevel} level(s) deep in: {string.Join(", ", r.RecursionInlined)}");
        return 0;
    }

    public static int Coverage(CommandLine cl)
    {
        if (cl.Positional.Count != 1)
            throw new TierflowException("usage: tierflow coverage PROFILE.json (write one with 'tierflow run PROGRAM --profile FILE')", ExitCodes.Usage);
        var p = Profile.Read(cl.Positional[0]);
        Console.Write(Persistence.Coverage.Format(p).Replace("[tierflow] ", ""));
        return 0;
    }

    public static int Cache(CommandLine cl)
    {
        var root = cl.Options.CacheDir ?? CodeCache.DefaultRoot();
        var cache = new CodeCache(root, cl.Options.CacheSizeMegabytes << 20);
        var verb = cl.Positional.Count > 0 ? cl.Positional[0] : "stats";
        switch (verb)
        {
            case "stats":
            {
                var e = cache.Entries();
                int profiles = Directory.Exists(Path.Combine(root, "profiles")) ? Directory.GetFiles(Path.Combine(root, "profiles"), "*.json").Length : 0;
                int irs = Directory.Exists(Path.Combine(root, "ir")) ? Directory.GetFiles(Path.Combine(root, "ir"), "*.bc").Length : 0;
                Console.WriteLine($"cache {root}");
                Console.WriteLine($"  objects   {e.Count} ({e.Sum(x => x.Bytes) / 1024.0:F1} KiB of {cache.LimitBytes >> 20} MiB)");
                Console.WriteLine($"  C sources {irs} (clang's IR)");
                Console.WriteLine($"  profiles  {profiles}");
                if (e.Count > 0) Console.WriteLine($"  last used {e.Max(x => x.LastUsedUtc):u}, oldest {e.Min(x => x.LastUsedUtc):u}");
                return 0;
            }
            case "ls":
                foreach (var e in cache.Entries().OrderByDescending(e => e.LastUsedUtc))
                    Console.WriteLine($"{e.Key}  {e.Bytes,9}  {e.LastUsedUtc:u}");
                return 0;
            case "clear":
            {
                int n = cache.Clear();
                foreach (var sub in new[] { "ir", "profiles" })
                    if (cl.Has("--all") && Directory.Exists(Path.Combine(root, sub))) Directory.Delete(Path.Combine(root, sub), true);
                Console.WriteLine($"removed {n} object(s) from {root}{(cl.Has("--all") ? ", and its IR and profiles" : "")}");
                return 0;
            }
            default:
                throw new TierflowException($"unknown cache command '{verb}' (tierflow cache stats|ls|clear [--all] [--cache-dir DIR])", ExitCodes.Usage);
        }
    }
}
