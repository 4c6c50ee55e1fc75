using Tierflow.Diagnostics;
using Tierflow.Options;

namespace Tierflow.Cli;

/// <summary>
/// The parsed command line. Engine flags come from <see cref="OptionTable"/> (so `--help`, the
/// environment variables and the library agree); the few front-end flags (-I, -D, -U, -std, -g, -l) pass to clang
/// or the loader. Everything after `--` belongs to the guest program.
/// </summary>
internal sealed class CommandLine
{
    public string Command = "";
    public List<string> Positional = [];
    public List<string> GuestArgs = [];
    public List<string> ClangArgs = [];
    public List<string> Libraries = [];
    public TierflowOptions Options = new();
    public Dictionary<string, string?> Local = [];

    /// <summary>Flags that only some commands take: name → whether it takes a value.</summary>
    static readonly Dictionary<string, bool> LocalFlags = new()
    {
        ["--repeat"] = true, ["--json"] = true, ["--aot-repeat"] = true, ["--no-aot"] = false, ["--full"] = false,
        ["--markdown"] = false, ["--help"] = false, ["-h"] = false, ["--version"] = false,
        ["--size"] = true, ["--runs"] = true, ["--modes"] = true, ["--plot"] = true, ["--quick"] = false, ["--replot"] = true,
        ["--count"] = true, ["--seed"] = true, ["--timeout"] = true, ["--out"] = true, ["--mutate"] = false,
        ["-o"] = true, ["--shared"] = false, ["--all"] = false, ["--entry"] = true,
    };

    /// <summary>`bench --markdown FILE` takes a file; `options --markdown` is a switch.</summary>
    static bool TakesValue(string command, string flag, bool byDefault) => command == "bench" && flag == "--markdown" || byDefault;

    public static CommandLine Parse(string[] args)
    {
        var cl = new CommandLine();
        var given = new List<(OptionSpec Spec, string Flag, string Value)>();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-')) cl.Command = args[i++];
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") { cl.GuestArgs.AddRange(args[(i + 1)..]); break; }
            string? inlineValue = null;
            var flag = a;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--") && eq > 0) { flag = a[..eq]; inlineValue = a[(eq + 1)..]; }

            if (OptionTable.Find(flag) is { } spec)
            {
                given.Add((spec, flag, spec.IsSwitch ? (inlineValue ?? "on") : inlineValue ?? Next(args, ref i, flag)));
            }
            else if (LocalFlags.TryGetValue(flag, out bool takesValue))
                cl.Local[flag] = TakesValue(cl.Command, flag, takesValue) ? inlineValue ?? Next(args, ref i, flag) : "on";
            else if (a.StartsWith("-I") || a.StartsWith("-D") || a.StartsWith("-U") || a.StartsWith("-std=") || a == "-include" || a == "-g" || a.StartsWith("-gdwarf-"))
            {
                cl.ClangArgs.Add(a);
                if (a is "-I" or "-D" or "-U" or "-include") cl.ClangArgs.Add(Next(args, ref i, a));
            }
            else if (a.StartsWith("-l")) cl.Libraries.Add(a.Length > 2 ? a[2..] : Next(args, ref i, a));
            else if (a.StartsWith('-') && a.Length > 1 && !IsNegativeNumber(a))
                throw new TierflowException($"unknown option '{a}' (see 'tierflow --help')", ExitCodes.Usage);
            else cl.Positional.Add(a);
        }
        // Presets first (environment, then command line), then the rest: a preset never overrides an option
        // given explicitly, wherever it stands.
        var o = OptionTable.FromEnvironment(new TierflowOptions(), presets: true);
        foreach (var (spec, flag, value) in given.Where(g => g.Spec.Preset)) o = Apply(spec, flag, value, o);
        o = OptionTable.FromEnvironment(o, presets: false);
        foreach (var (spec, flag, value) in given.Where(g => !g.Spec.Preset)) o = Apply(spec, flag, value, o);
        cl.Options = o;
        return cl;
    }

    static TierflowOptions Apply(OptionSpec spec, string flag, string value, TierflowOptions o)
    {
        try { return spec.Apply(o, value); }
        catch (FormatException e) { throw new TierflowException($"{flag}: {e.Message}", ExitCodes.Usage); }
    }

    static bool IsNegativeNumber(string a) => long.TryParse(a, out _);

    static string Next(string[] args, ref int i, string flag)
    {
        if (i + 1 >= args.Length) throw new TierflowException($"{flag} needs a value", ExitCodes.Usage);
        return args[++i];
    }

    public bool Has(string flag) => Local.ContainsKey(flag);

    public long Long(string flag, long fallback)
    {
        if (!Local.TryGetValue(flag, out var v) || v == null) return fallback;
        return long.TryParse(v, out var n) && n > 0 ? n : throw new TierflowException($"{flag}: '{v}' is not a positive whole number", ExitCodes.Usage);
    }
}
