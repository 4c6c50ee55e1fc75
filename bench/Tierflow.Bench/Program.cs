namespace Tierflow.Bench;

internal static class Program
{
    static int Main(string[] args)
    {
        var what = args.Length > 0 ? args[0] : "compile";
        switch (what)
        {
            case "compile": CompileLatency.Run(args.Length > 1 ? int.Parse(args[1]) : 20); return 0;
            case "replaced-code": ReplacedCode.Run(args.Length > 1 ? int.Parse(args[1]) : 4000); return 0;
            default: Console.Error.WriteLine("usage: Tierflow.Bench compile [ROUNDS] | replaced-code [FORCES]"); return 64;
        }
    }
}
