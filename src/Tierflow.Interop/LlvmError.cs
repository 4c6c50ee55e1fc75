using System.Runtime.InteropServices;

namespace Tierflow.Interop;

/// <summary>The single place where LLVMErrorRef and LLVM-owned messages are consumed.</summary>
public static class LlvmError
{
    /// <summary>Consumes an LLVMErrorRef: null when it is success, otherwise its message.</summary>
    public static string? TakeMessage(nint error)
    {
        if (error == 0) return null;
        nint msg = Llvm.LLVMGetErrorMessage(error); // consumes the error
        try { return Marshal.PtrToStringUTF8(msg) ?? "unknown LLVM error"; }
        finally { Llvm.LLVMDisposeErrorMessage(msg); }
    }

    /// <summary>Throws <see cref="LlvmException"/> with <paramref name="what"/> as context when the error is set.</summary>
    public static void Check(nint error, string what)
    {
        var msg = TakeMessage(error);
        if (msg != null) throw new LlvmException($"{what}: {msg}");
    }

    /// <summary>Takes a message allocated by LLVM (char* to be freed with LLVMDisposeMessage).</summary>
    public static string? TakeString(nint message)
    {
        if (message == 0) return null;
        try { return Marshal.PtrToStringUTF8(message); }
        finally { Llvm.LLVMDisposeMessage(message); }
    }
}

public sealed class LlvmException(string message) : Exception(message);
