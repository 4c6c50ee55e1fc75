using System.Text;
using Tierflow.Options;

namespace Tierflow.Cli;

internal static class Help
{
    public static string Text(string command)
    {
        var sb = new StringBuilder();
        sb.AppendLine("""
tierflow: a tiered JIT for LLVM IR, C and C++ (LLVM 19).

usage:
  tierflow run PROGRAM.{ll,bc,c,cpp}... [LIB.{o,a}...] [options] [-- args...]   run main; the exit code is main's.
                                                            Several files are one program, as in clang a.c b.o;
                                                            C++ source runs with libstdc++, as clang++ links it;
                                                            --entry NAME calls NAME as main (lli -entry-function);
                                                            '-' reads IR (text or bitcode) from standard input
  tierflow call PROGRAM FUNCTION [INT_ARGS...] --repeat N   the seed experiment for any integer function,
        [--json FILE] [--no-aot] [--aot-repeat N]          beside its clang -O2 build
  tierflow demo [--full]                                    the seed experiment on a built-in fibonacci
  tierflow bench [PROGRAMS.c...] [--size short|medium|long] [--runs N] [--modes a,b,...]
        [--json FILE] [--markdown FILE] [--plot DIR] [--quick]   every workload in every mode, side by side
  tierflow bench --replot FILE.json --plot DIR              redraw the bar chart of a saved run
  tierflow timeline TRACE.jsonl -o OUT.png|OUT.html        a picture of one run's tiering, from its --trace-json:
                                                            each function's tier over time, compiles, OSR (the
                                                            HTML page zooms, pans, and shows each record)
  tierflow fuzz [--count N] [--seed S] [--timeout SEC]      Csmith programs in every mode against their clang -O2
        [--out DIR] [--json FILE]                           build; mismatches saved as reproducers in DIR
  tierflow fuzz --mutate FILE.{ll,bc}... [--count N] [--seed S]   damaged inputs: each must be refused cleanly
                                                            or end as its native build does
  tierflow export PROGRAM... -o OUT [--profile FILE] [--shared | --entry NAME]   a native executable (or .so)
                                                            with no JIT: hot functions at O3, cold ones for
                                                            size, by the profile; --entry: it starts in NAME
  tierflow coverage PROFILE.json                            which functions ran: never run / cold / warm / hot
  tierflow cache [stats|ls|clear [--all]] [--cache-dir DIR] the persistent code cache (--cache, --cache-dir)
  tierflow options [--markdown]                             every option with its environment variable

front-end flags: -I DIR, -D NAME[=V], -U NAME, -std=STD, -g, -gdwarf-N go to clang-19 for .c and C++ inputs; -l NAME loads libNAME
(C++ given as IR: -l stdc++).

engine options (each also readable from its TIERFLOW_* environment variable):
""");
        foreach (var s in OptionTable.All)
            sb.AppendLine($"  {s.Flag + (s.IsSwitch ? "" : " " + s.ValueName),-24} {s.Help} [{s.Default}]");
        sb.AppendLine("""

exit codes: the program's own when it runs; 64 usage, 65 invalid input (IR, C, signature),
66 missing or unreadable input, 67 unresolved symbols, 69 clang-19 missing, 70 internal error.
""");
        return sb.ToString();
    }
}
