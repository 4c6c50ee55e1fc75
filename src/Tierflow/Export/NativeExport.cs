using System.Diagnostics;
using Tierflow.Compilation;
using Tierflow.Diagnostics;
using Tierflow.Frontend;
using Tierflow.Interop;
using Tierflow.Persistence;
using Tierflow.Tiering;

namespace Tierflow.Export;

/// <summary>What an export produced.</summary>
/// <param name="Weighted">Conditional branches and switches given the profile's counts as branch weights (BranchProfile).</param>
public sealed record ExportResult(string Output, long Bytes, int Hot, int Warm, int Cold, int NeverRun, int Unprofiled,
    double OptimizeMs, double CodegenMs, double LinkMs, IReadOnlyList<string> RecursionInlined, int Weighted = 0);

/// <summary>
/// `tierflow export`: the whole program as one native executable or shared library, with neither Tierflow
/// nor LLVM at run time. The module is normalized as for the JIT (host CPU, no fmuladd fusion unless
/// --fast-fp), then each function is marked by what the profile knows:
///   - hot (reached the final tier, or left a loop by OSR): `hot`, compiled at O3 for speed;
///   - warm: O3 as is;
///   - cold (ran, never promoted): `optsize`;
///   - never run: `cold` + `minsize` (and its call sites then count as unlikely for the optimizer).
/// Its conditional branches get the profile's counts as branch weights, by the final tier's rule
/// (BranchProfile.Annotate): the module is normalized as the JIT's template is, so its branches are numbered
/// alike; a function whose branch count differs from the profile's is left without.
/// Without a profile every function is compiled at O3. Small functions that call themselves get the JIT's
/// recursion copies (RecursiveInlining), so a recursion runs as fast exported as at the JIT's final tier.
/// The whole module then goes through default&lt;O3&gt;
/// and the host target machine (like clang -O3 -march=native), and clang-19 links the object with libc
/// and libm (and, in an executable, the guest heap's malloc thresholds, Runtime.GuestHeap). The output is
/// written under a temporary name and renamed, and never replaces the input.
/// </summary>
public static class NativeExport
{
    public static ExportResult Run(ProgramSource source, string output, Profile? profile, bool shared, bool fastFloat,
        IReadOnlyList<string> libraries, int recursiveInlineLevel = 1, bool mallocTuning = true,
        IReadOnlyList<string>? inputs = null, IReadOnlyList<string>? objects = null, string? entry = null)
    {
        if (entry != null && shared)
            throw new TierflowException("--entry names the function an executable starts in; a shared library (--shared) has none", ExitCodes.Usage);
        var full = Path.GetFullPath(output);
        if (Directory.Exists(full)) throw new TierflowException($"{output}: is a directory; -o takes the file to write", ExitCodes.Usage);
        // The program's files (a linked source's name is not a path: the caller gives them) and its objects.
        foreach (var input in (inputs ?? [source.DisplayName]).Concat(objects ?? []))
            if (File.Exists(input) && Path.GetFullPath(input) == full)
                throw new TierflowException($"{output}: is the input program; refusing to overwrite it", ExitCodes.Usage);
        if (profile != null && profile.Module != Profile.ModuleKey(source.Ir))
            throw new TierflowException($"the profile was recorded for another module ({profile.Program}, key {Profile.Short(profile.Module)}), " +
                $"not for {source.DisplayName} (key {Profile.Short(Profile.ModuleKey(source.Ir))})", ExitCodes.BadInput);

        HostTarget.EnsureInitialized();
        using var context = ContextHandle.Create();
        using var m = source.Parse(context);
        IrNormalizer.Normalize(m, HostTarget.Triple, HostTarget.DataLayout, fastFloat);
        var ctx = Llvm.LLVMGetModuleContext(m);
        if (entry != null && entry != "main") StartIn(m, ctx, entry, source.DisplayName);
        var counts = new Dictionary<Heat, int>();
        int unprofiled = 0, weighted = 0;
        foreach (var f in Ir.Functions(m).Where(f => Llvm.LLVMIsDeclaration(f) == 0).ToList())
        {
            var fp = profile?[Ir.Name(f)];
            if (fp == null) { unprofiled++; continue; }
            if (fp.Branches is { Count: > 0 } b && BranchProfile.Branches(f) is var branches && branches.Count == b.Count)
                weighted += BranchProfile.Annotate(ctx, branches, 0, cell => cell % 2 == 0 ? b[cell / 2].Taken : b[cell / 2].NotTaken);
            if (fp.Switches is { Count: > 0 } profiled && BranchProfile.Switches(f) is var switches
                && switches.Select(x => (int)Llvm.LLVMGetNumSuccessors(x)).SequenceEqual(profiled.Select(c => c.Count)))
            {
                var cells = profiled.SelectMany(c => c).ToArray();
                weighted += BranchProfile.AnnotateSwitches(ctx, switches, 0, cell => cells[cell]);
            }
            var heat = Coverage.Classify(fp, profile!);
            counts[heat] = counts.GetValueOrDefault(heat) + 1;
            switch (heat)
            {
                case Heat.Hot: AddAttributes(ctx, f, "hot"); break;
                case Heat.Cold: AddAttributes(ctx, f, "optsize"); break;
                case Heat.NeverRun: AddAttributes(ctx, f, "cold", "optsize", "minsize"); break;
            }
        }
        // The same recursion copies as the JIT's final tier, so the export is as fast on a recursion as the JIT.
        var recursive = RecursiveInlining.AddToWholeProgram(m, recursiveInlineLevel);
        if (Llvm.LLVMVerifyModule(m, 2, out nint vmsg) != 0)
            throw new TierflowException($"{source.DisplayName}: internal error: the export module does not verify: {LlvmError.TakeString(vmsg)}", ExitCodes.Internal);
        LlvmError.TakeString(vmsg);

        var sw = Stopwatch.StartNew();
        byte[] obj;
        double opt;
        using (var tm = HostTarget.CreateMachine(OptLevel.O3))
        using (var options = new PassBuilderOptionsHandle(Llvm.LLVMCreatePassBuilderOptions()))
        {
            LlvmError.Check(Llvm.LLVMRunPasses(m, OptLevel.O3.Pipeline(), tm, options), "optimizing at O3");
            opt = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            obj = Optimizer.EmitObject(m, tm);
        }
        double codegen = sw.Elapsed.TotalMilliseconds;
        sw.Restart();

        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new TierflowException($"{output}: directory {dir} does not exist", ExitCodes.Usage);
        var work = Directory.CreateTempSubdirectory("tierflow-export-").FullName;
        var tmpOut = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            var objPath = Path.Combine(work, "program.o");
            File.WriteAllBytes(objPath, obj);
            var psi = new ProcessStartInfo(Clang.Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            if (shared) psi.ArgumentList.Add("-shared");
            foreach (var a in new[] { "-o", tmpOut, objPath }) psi.ArgumentList.Add(a);
            // An executable starts glibc's malloc thresholds as `tierflow run` does (Runtime.GuestHeap). Not a
            // shared library: the allocator belongs to the process that loads it.
            if (mallocTuning && !shared)
            {
                var tuning = Path.Combine(work, "malloc_tuning.c");
                File.WriteAllText(tuning, Runtime.GuestHeap.ExportConstructorSource());
                foreach (var a in new[] { "-O2", tuning }) psi.ArgumentList.Add(a);
            }
            foreach (var o in objects ?? []) psi.ArgumentList.Add(Path.GetFullPath(o));
            psi.ArgumentList.Add("-lm");
            if (source.IsCxx) psi.ArgumentList.Add("-lstdc++"); // as clang++ links C++
            foreach (var lib in libraries) psi.ArgumentList.Add(lib.Contains('/') ? lib : "-l" + lib);
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new TierflowException($"{source.DisplayName}: cannot link: '{Clang.Executable}' was not found (install Debian's clang-19)", ExitCodes.MissingTool);
            }
            using (p)
            {
                var errTask = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                    throw new TierflowException($"{source.DisplayName}: linking the exported program failed:\n{errTask.Result.TrimEnd()}",
                        errTask.Result.Contains("undefined reference") ? ExitCodes.Unresolved : ExitCodes.Internal);
            }
            File.Move(tmpOut, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TierflowException($"{output}: cannot write: {e.Message}", ExitCodes.Usage);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
            try { File.Delete(tmpOut); } catch (IOException) { }
        }
        return new ExportResult(full, new FileInfo(full).Length, counts.GetValueOrDefault(Heat.Hot), counts.GetValueOrDefault(Heat.Warm),
            counts.GetValueOrDefault(Heat.Cold), counts.GetValueOrDefault(Heat.NeverRun), unprofiled, opt, codegen, sw.Elapsed.TotalMilliseconds, recursive, weighted);
    }

    /// <summary>
    /// --entry NAME: the executable's <c>main</c> calls NAME with main's arguments and returns its result (0 for
    /// void), as <c>tierflow run --entry</c> calls it (lli's -entry-function). NAME must have one of main's
    /// signatures. The program's own <c>main</c>, if it has one, is renamed out of the way; its uses follow it.
    /// </summary>
    static void StartIn(LlvmModuleHandle m, nint ctx, string entry, string program)
    {
        var f = Llvm.LLVMGetNamedFunction(m, entry);
        if (f.IsNull || Llvm.LLVMIsDeclaration(f) != 0)
            throw new TierflowException($"{program}: no function named '{entry}' is defined (--entry)", ExitCodes.BadInput);
        var type = Llvm.LLVMGlobalGetValueType(f);
        var ret = Llvm.LLVMGetReturnType(type);
        var args = Ir.ParamTypes(type);
        Runtime.MainRunner.RequireMainSignature(program, entry, Ir.Print(ret), args.Select(Ir.Print).ToArray(),
            Llvm.LLVMIsFunctionVarArg(type) != 0, Ir.Print(type));
        var i32 = Llvm.LLVMInt32TypeInContext(ctx);
        var ptr = Llvm.LLVMPointerTypeInContext(ctx, 0);
        var old = Llvm.LLVMGetNamedFunction(m, "main");
        if (!old.IsNull) Ir.SetName(old, "__tf_program_main");
        var mainType = Ir.FunctionType(i32, [i32, ptr, ptr]);
        var main = Llvm.LLVMAddFunction(m, "main", mainType);
        using var b = new BuilderHandle(Llvm.LLVMCreateBuilderInContext(ctx));
        Llvm.LLVMPositionBuilderAtEnd(b, Llvm.LLVMAppendBasicBlockInContext(ctx, main, "entry"));
        var call = Ir.BuildCall(b, type, f, Enumerable.Range(0, args.Length).Select(i => Llvm.LLVMGetParam(main, (uint)i)).ToArray());
        Llvm.LLVMBuildRet(b, ret == i32 ? call : Llvm.LLVMConstInt(i32, 0, 0));
    }

    static void AddAttributes(nint ctx, LLVMValueRef f, params string[] names)
    {
        foreach (var name in names)
        {
            uint kind = Ir.EnumAttributeKind(name);
            // optnone functions must stay as they are; hot and cold exclude each other.
            if (kind == 0 || !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind("optnone")).IsNull) continue;
            if (name == "cold" && !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind("hot")).IsNull) continue;
            if (name == "hot" && !Llvm.LLVMGetEnumAttributeAtIndex(f, LLVMAttributeIndex.Function, Ir.EnumAttributeKind("cold")).IsNull) continue;
            Llvm.LLVMAddAttributeAtIndex(f, LLVMAttributeIndex.Function, Llvm.LLVMCreateEnumAttribute(ctx, kind, 0));
        }
    }
}
