using Tierflow.Interop;

namespace Tierflow.Compilation;

/// <summary>
/// Recursive inlining's copies (TierflowOptions.RecursiveInlineLevel): LLVM's inliner never inlines a function
/// into itself, so a small function that calls itself gets private copies, chained (the function calls copy
/// 1, copy k calls copy k+1, the last calls the function), and the inliner can take that many levels of the
/// recursion. HotSpot inlines one level of recursion by default (MaxRecursiveInlineLevel).
/// <para>
/// Used by every compile that sees a whole function at the top tier: the JIT's final tier (one function and
/// its callee copies, FunctionCompiler), the eager modes and <c>tierflow export</c> (the whole program, <see
/// cref="AddToWholeProgram"/>). The same code then reaches the same speed in all three.
/// </para>
/// </summary>
internal static class RecursiveInlining
{
    /// <summary>
    /// The largest function (template instructions) that gets recursion copies. LLVM's inliner takes a callee
    /// whose simplified cost is under its threshold (250 at O3, 5 per instruction), and template instructions
    /// are O0's, with loads and stores around most values. A copy the inliner does not take doubles the code and
    /// removes no call. In bench <c>json</c>, <c>walk</c> (119 instructions) and <c>free_tree</c> (34) had
    /// their copies inlined. <c>gen_value</c> (197) kept its copy as a function of its own: its module's
    /// optimized IR grew 1.8 times, and <c>json</c> medium took 1.04× / 1.07× as long (min / median of 11
    /// rounds).
    /// </summary>
    public const int SizeLimit = 120;

    /// <summary>
    /// Gives every small function of a whole-program module that calls itself directly <paramref name="levels"/>
    /// chained copies and points its calls to itself at the first. Returns the functions that got copies.
    /// Left alone: functions over <see cref="SizeLimit"/>, <c>noinline</c> or <c>optnone</c> ones, variadic
    /// ones, and any whose blocks have their address taken (a copy's blockaddress would name the wrong
    /// function); a module with ifuncs gets no copies.
    /// </summary>
    public static IReadOnlyList<string> AddToWholeProgram(LlvmModuleHandle m, int levels)
    {
        if (levels <= 0 || !Llvm.LLVMGetFirstGlobalIFunc(m).IsNull) return [];
        var definitions = Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0).ToList();
        var chosen = Enumerable.Range(0, definitions.Count).Where(i => CanCopy(definitions[i]) && SmallAndSelfCalling(definitions[i])).ToList();
        if (chosen.Count == 0) return [];
        // One module clone per level for all the functions together (a clone per function would copy the whole
        // program that many times). Every copy is made before any call is retargeted: each is the function as
        // written.
        var chains = chosen.ToDictionary(i => i, _ => new List<LLVMValueRef>());
        for (int k = 1; k <= levels; k++)
        {
            var copies = Clone(m, chosen.Select(i => (definitions[i], FreeName(m, RuntimeSymbols.RecursionCopy(i, k)))).ToList());
            for (int j = 0; j < chosen.Count; j++) chains[chosen[j]].Add(copies[j]);
            // In the clone the chosen functions called one another's copies: back to the functions.
            for (int j = 0; j < chosen.Count; j++)
                for (int o = 0; o < chosen.Count; o++)
                    if (o != j) Retarget(copies[j], copies[o], definitions[chosen[o]]);
        }
        foreach (var (i, chain) in chains)
        {
            var f = definitions[i];
            Retarget(f, f, chain[0]);
            for (int k = 0; k < chain.Count; k++) Retarget(chain[k], chain[k], k + 1 < chain.Count ? chain[k + 1] : f);
        }
        return chosen.Select(i => Ir.Name(definitions[i])).ToList();
    }

    /// <summary>
    /// Whether a copy of <paramref name="f"/> could be inlined and would mean the same: not variadic, not
    /// <c>noinline</c> or <c>optnone</c> (the copy would carry the attribute and stay a call), and no block
    /// of it has its address taken (a copy's blockaddress would name the wrong function). The JIT's final
    /// tier asks this too (FunctionCompiler.RecursionCopies), besides its own size and self-call checks.
    /// </summary>
    public static bool CanCopy(LLVMValueRef f)
    {
        if (Llvm.LLVMIsFunctionVarArg(Llvm.LLVMGlobalGetValueType(f)) != 0) return false;
        foreach (var attribute in new[] { "noinline", "optnone" })
            if (!Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind(attribute)).IsNull) return false;
        return !Ir.Users(f).Any(u => !Llvm.LLVMIsABlockAddress(u).IsNull);
    }

    /// <summary>At most SizeLimit instructions, one of them a direct call to itself (a whole-program module calls directly).</summary>
    static bool SmallAndSelfCalling(LLVMValueRef f)
    {
        int count = 0;
        bool callsItself = false;
        foreach (var instruction in Ir.Instructions(f))
        {
            if (++count > SizeLimit) return false;
            callsItself |= Ir.IsCallTo(instruction, f);
        }
        return callsItself;
    }

    /// <summary>Points every direct call to <paramref name="from"/> inside <paramref name="f"/> at <paramref name="to"/>.</summary>
    static void Retarget(LLVMValueRef f, LLVMValueRef from, LLVMValueRef to)
    {
        foreach (var instruction in Ir.Instructions(f).ToList())
            if (Ir.IsCallTo(instruction, from)) Ir.SetCallee(instruction, to);
    }

    static string FreeName(LlvmModuleHandle m, string name)
    {
        var free = name;
        for (int k = 1; !Llvm.LLVMGetNamedFunction(m, free).IsNull || !Llvm.LLVMGetNamedGlobal(m, free).IsNull; k++) free = $"{name}.{k}";
        return free;
    }

    /// <summary>
    /// Internal copies in <paramref name="m"/> of the given functions, under the given names, in that order. The C
    /// API has no function cloner, so the module is cloned, cut down to the copies (every other definition
    /// deleted, or a declaration where a copy still uses it) and linked back into <paramref name="m"/>, where
    /// those declarations resolve to the definitions. For that, m's internal and private symbols are made
    /// external (and named, if unnamed) for the time of the link, then given back their linkage and names: a
    /// private global linked in as a second definition would be a second copy of a variable.
    /// </summary>
    public static List<LLVMValueRef> Clone(LlvmModuleHandle m, IReadOnlyList<(LLVMValueRef Function, string Name)> wanted)
    {
        var originals = wanted.Select(w => (Original: Ir.Name(w.Function), w.Name)).ToList();
        var restore = new List<(LLVMValueRef Value, LLVMLinkage Linkage, bool Unnamed)>();
        int anonymous = 0;
        foreach (var v in Ir.Globals(m).Concat(Ir.Functions(m)))
        {
            var linkage = Llvm.LLVMGetLinkage(v);
            if (linkage is not (LLVMLinkage.Internal or LLVMLinkage.Private)) continue;
            bool unnamed = Ir.Name(v).Length == 0;
            if (unnamed) Ir.SetName(v, FreeName(m, $"{RuntimeSymbols.Prefix}rec_anon_{anonymous++}"));
            Llvm.LLVMSetLinkage(v, LLVMLinkage.External);
            restore.Add((v, linkage, unnamed));
        }
        try
        {
            var r = new LlvmModuleHandle(Llvm.LLVMCloneModule(m));
            try
            {
                CutTo(r, originals);
                int failed = Llvm.LLVMLinkModules2(m, r);
                r.MarkTransferred(); // destroyed by the link, even a failed one
                if (failed != 0) throw new LlvmException($"recursive inlining: linking copies of {string.Join(", ", originals.Select(o => o.Original))} failed");
            }
            finally { r.Dispose(); }
        }
        finally
        {
            foreach (var (v, linkage, unnamed) in restore)
            {
                Llvm.LLVMSetLinkage(v, linkage);
                if (unnamed) Ir.SetName(v, "");
            }
        }
        return originals.Select(o =>
        {
            var linked = Llvm.LLVMGetNamedFunction(m, o.Name);
            if (linked.IsNull) throw new LlvmException($"recursive inlining: the copy of {o.Original} was not linked");
            Llvm.LLVMSetLinkage(linked, LLVMLinkage.Internal);
            return linked;
        }).ToList();
    }

    /// <summary>Reduces clone <paramref name="r"/> to the functions named, each renamed as given, and declarations.</summary>
    static void CutTo(LlvmModuleHandle r, IReadOnlyList<(string Original, string Name)> wanted)
    {
        using var rw = new IrRewriter(r);
        var copies = wanted.Select(w => Llvm.LLVMGetNamedFunction(r, w.Original)).ToList();
        var keep = copies.ToHashSet();
        // An alias is used through what it aliases, then points at a copy, private and dead: an alias of a
        // declaration is not valid IR, and the optimizer drops a dead private alias.
        foreach (var alias in Ir.Aliases(r).ToList())
        {
            Llvm.LLVMReplaceAllUsesWith(alias, Llvm.LLVMAliasGetAliasee(alias));
            Llvm.LLVMAliasSetAliasee(alias, copies[0]);
            Llvm.LLVMSetLinkage(alias, LLVMLinkage.Private);
        }
        bool deleted = true;
        while (deleted) // unused definitions, until none is left: deleting one can leave another unused
        {
            deleted = false;
            foreach (var g in Ir.Functions(r).ToList())
                if (!keep.Contains(g) && Llvm.LLVMIsDeclaration(g) == 0 && Llvm.LLVMGetFirstUse(g).IsNull) { Llvm.LLVMDeleteFunction(g); deleted = true; }
        }
        foreach (var g in Ir.Functions(r).ToList())
            if (!keep.Contains(g) && Llvm.LLVMIsDeclaration(g) == 0) rw.FunctionToDeclaration(g); // used by a copy: m has its definition
        foreach (var g in Ir.Globals(r).ToList())
        {
            if (Llvm.LLVMGetLinkage(g) == LLVMLinkage.Appending) Llvm.LLVMDeleteGlobal(g); // llvm.used, llvm.global_ctors: m has them
            else if (Llvm.LLVMIsDeclaration(g) == 0) rw.GlobalToDeclaration(g);
        }
        for (int i = 0; i < copies.Count; i++)
        {
            // External until linked: the linker leaves out unused internal functions, and unused linkonce ones
            // (a C++ template's, such as std::map's _M_erase, which the eager modes keep linkonce_odr).
            Ir.SetName(copies[i], wanted[i].Name);
            Llvm.LLVMSetLinkage(copies[i], LLVMLinkage.External);
            Llvm.LLVMSetComdat(copies[i], 0); // an internal copy joins no comdat
        }
        unsafe { Llvm.LLVMSetModuleInlineAsm2(r, null, 0); } // the program's own module assembly is in m already
    }
}
