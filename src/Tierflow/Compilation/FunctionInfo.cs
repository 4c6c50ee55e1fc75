using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>What the load-time preparation learned about one defined function. Context-free (no LLVM refs).</summary>
internal sealed record FunctionInfo(
    int Index,
    string Name,
    string ReturnType,
    IReadOnlyList<string> ParamTypes,
    bool IsVarArg,
    int InstructionCount,
    string? PinReason,
    IReadOnlyList<int> DirectCallees,
    bool Exported = true,
    IReadOnlyList<string>? OwnedTables = null,
    IReadOnlyList<Osr.LoopInfo>? LoopList = null)
{
    /// <summary>The function's natural loops (header block index, name, and why OSR cannot leave it, if so).</summary>
    public IReadOnlyList<Osr.LoopInfo> Loops => LoopList ?? [];

    /// <summary>The function's first branch-count pair in RuntimeSymbols.BranchCounts. See BranchProfile.</summary>
    public int FirstBranch { get; init; }
    /// <summary>For each of its conditional branches, in block order, whether it is counted (BranchProfile.Counted),
    /// decided once on the template's IR; empty when branches are not counted.</summary>
    public IReadOnlyList<bool> CountedBranches { get; init; } = [];
    /// <summary>How many pairs of RuntimeSymbols.BranchCounts the function has: one per conditional branch.</summary>
    public int BranchCount => CountedBranches.Count;
    /// <summary>The function's first cell in RuntimeSymbols.BranchCounts for its switches (after every function's
    /// branch pairs), and each switch's number of successors, one cell each, in block order.</summary>
    public int FirstSwitchCell { get; init; }
    public IReadOnlyList<int> SwitchWidths { get; init; } = [];

    /// <summary>
    /// Globals holding this function's block addresses (computed-goto tables) and used by it alone. Each
    /// compiled version gets private copies whose entries point into that version's own blocks.
    /// </summary>
    public IReadOnlyList<string> Tables => OwnedTables ?? [];
    public bool HasBlockAddresses => Tables.Count > 0;

    /// <summary>A pinned function is compiled once, in the base object, and never tiered.</summary>
    public bool Pinned => PinReason != null;
    public string Signature => $"{ReturnType} ({string.Join(", ", ParamTypes)}{(IsVarArg ? (ParamTypes.Count > 0 ? ", ..." : "...") : "")})";

    public static string TypeName(LLVMTypeRef t) => Ir.Print(t);
}
