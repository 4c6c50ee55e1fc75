using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Spreads the base object's functions over code sections of <see cref="GroupSize"/> functions each
/// (<c>.text.tf.0</c>, <c>.text.tf.1</c>, ...), each opened by a global label (<see cref="Anchor"/>) at its start,
/// where the host finds the section once linked. Used where calls go through slots (not with --eager), for
/// programs of <see cref="MinFunctions"/> functions or more.
/// <para>
/// Why: JITLink makes one block of each section, and ORC (LLVM 19, <c>ObjectLinkingLayer</c>'s
/// <c>computeBlockNonLocalDeps</c>) computes, for every block, the closure of the blocks it reaches through
/// local symbols, with a worklist whose order depends on where the blocks happen to be in memory. A program's
/// single <c>.text</c> block and the <c>.eh_frame</c> entry of each of its functions reach each other, so
/// every entry's closure is the whole program's; on a large program the link then took anywhere from 0.2 s to
/// 11 s (sqlite's 2,688 functions: about one load in two over 2.5 s; llvm/llvm-project#107488 fixed the order
/// upstream, after LLVM 19). Sections of 8 functions keep every closure small: sqlite linked in 127–209 ms in
/// 10 runs, against 204–234 ms with sections of 4, 206–405 ms of 16, 309–684 ms of 32, 152 ms–3.3 s of 128
/// and 0.3–5.5 s with one section (<c>docs/results/session21-experiments.md</c>).
/// </para>
/// <para>
/// Not under --eager: there a program's static functions are local symbols and call each other directly, so
/// the call graph links the sections, and small sections made the closures larger (sqlite: 10–20 s). Not for
/// tier-up and continuation objects either: they hold a batch at most, and their code range
/// (TieredProgram.TextRange) assumes one section.
/// </para>
/// </summary>
internal static class TextSections
{
    /// <summary>Functions per section: the fastest link measured (sizes 2 to 128 tried); a section costs the host one
    /// lookup (its anchor) and one registration at load.</summary>
    public const int GroupSize = 8;

    public static string Anchor(int group) => $"{RuntimeSymbols.Prefix}text_{group}";

    /// <summary>Programs with fewer functions than this keep one <c>.text</c>: their link is a few milliseconds
    /// either way, and the sections' lookups and registrations cost a small program's load about 0.4 ms (the
    /// suite's 19 programs, 7 interleaved rounds: 7.8 → 8.2 ms on the geometric mean).</summary>
    public const int MinFunctions = 64;

    /// <summary>
    /// Puts each function definition of <paramref name="m"/> that has no section of its own (the program may
    /// name one) into the section of its group, in module order, and writes each group's anchor into the
    /// module's assembly, which is emitted before any function, so the label opens its section. Returns the
    /// number of groups: 0 for a program of fewer than <see cref="MinFunctions"/> functions, left as it was.
    /// </summary>
    public static int Assign(LlvmModuleHandle m)
    {
        var functions = Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0 && Llvm.LLVMGetSection(f) == 0).ToList();
        if (functions.Count < MinFunctions) return 0;
        int k = 0;
        foreach (var f in functions) Llvm.LLVMSetSection(f, Section(k++ / GroupSize));
        int groups = (k + GroupSize - 1) / GroupSize;
        var asm = new System.Text.StringBuilder();
        for (int g = 0; g < groups; g++)
            asm.Append($"\t.section {Section(g)},\"ax\",@progbits\n\t.globl {Anchor(g)}\n\t.type {Anchor(g)},@function\n{Anchor(g)}:\n");
        if (groups > 0) Ir.AppendModuleAsm(m, asm.ToString());
        return groups;
    }

    static string Section(int group) => $".text.tf.{group}";
}
