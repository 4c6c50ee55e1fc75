using System.Runtime.InteropServices;

namespace Tierflow.Interop;

// Owned LLVM objects. Each handle releases its object with the matching LLVMDispose* exactly once.
// When a C API call takes ownership, the caller invokes MarkTransferred() as that call's contract says:
// LLVMParseIRInContext and LLVMOrcLLJITAddObjectFile* take the buffer whether or not they succeed, so
// the handle is marked right after the call; calls that keep ownership on failure are marked only on success.

public abstract class LlvmHandle : SafeHandle
{
    protected LlvmHandle() : base(0, ownsHandle: true) { }
    protected LlvmHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);
    public override bool IsInvalid => handle == 0;
    public nint Raw => handle;

    /// <summary>The native object now belongs to someone else: never dispose it from here.</summary>
    public void MarkTransferred() => SetHandleAsInvalid();
}

public sealed class ContextHandle : LlvmHandle
{
    public ContextHandle() { }
    public static ContextHandle Create() { var h = new ContextHandle(); h.SetHandle(Llvm.LLVMContextCreate()); return h; }
    protected override bool ReleaseHandle() { Llvm.LLVMContextDispose(handle); return true; }
}

public sealed class LlvmModuleHandle : LlvmHandle
{
    public LlvmModuleHandle() { }
    public LlvmModuleHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposeModule(handle); return true; }
}

public sealed class MemoryBufferHandle : LlvmHandle
{
    public MemoryBufferHandle() { }
    public MemoryBufferHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposeMemoryBuffer(handle); return true; }
}

public sealed class TargetMachineHandle : LlvmHandle
{
    public TargetMachineHandle() { }
    public TargetMachineHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposeTargetMachine(handle); return true; }
}

public sealed class TargetDataHandle : LlvmHandle
{
    public TargetDataHandle() { }
    public TargetDataHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposeTargetData(handle); return true; }
}

public sealed class BuilderHandle : LlvmHandle
{
    public BuilderHandle() { }
    public BuilderHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposeBuilder(handle); return true; }
}

public sealed class PassBuilderOptionsHandle : LlvmHandle
{
    public PassBuilderOptionsHandle() { }
    public PassBuilderOptionsHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMDisposePassBuilderOptions(handle); return true; }
}

public sealed class ResourceTrackerHandle : LlvmHandle
{
    public ResourceTrackerHandle() { }
    public ResourceTrackerHandle(nint h) : base(h) { }
    protected override bool ReleaseHandle() { Llvm.LLVMOrcReleaseResourceTracker(handle); return true; }
}

/// <summary>
/// The LLJIT instance. LLVMOrcDisposeLLJIT can fail (e.g. a platform's deinitializers); the error is
/// reported through <see cref="DisposeError"/> rather than thrown away.
/// </summary>
public sealed class LLJITHandle : LlvmHandle
{
    public LLJITHandle() { }
    public LLJITHandle(nint h) : base(h) { }
    public string? DisposeError { get; private set; }
    protected override bool ReleaseHandle()
    {
        DisposeError = LlvmError.TakeMessage(Llvm.LLVMOrcDisposeLLJIT(handle));
        return true;
    }
}
