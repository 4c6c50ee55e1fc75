using Tierflow.Diagnostics;

namespace Tierflow.Runtime;

/// <summary>Checks a host-side signature (C# types) against the function's IR signature.</summary>
internal static class SignatureCheck
{
    public static string IrName(Type t)
    {
        if (t == typeof(void)) return "void";
        if (t == typeof(int) || t == typeof(uint)) return "i32";
        if (t == typeof(long) || t == typeof(ulong)) return "i64";
        if (t == typeof(short) || t == typeof(ushort)) return "i16";
        if (t == typeof(byte) || t == typeof(sbyte)) return "i8";
        if (t == typeof(double)) return "double";
        if (t == typeof(float)) return "float";
        if (t == typeof(nint) || t == typeof(nuint) || t.IsPointer) return "ptr";
        throw new TierflowException($"the type {t.Name} cannot cross into JIT code (use int, long, double, float, nint, ...)", ExitCodes.BadInput);
    }

    public static void Require(JitFunction f, Type ret, Type[] args)
    {
        var info = f.Info;
        bool ok = !info.IsVarArg && Matches(info.ReturnType, ret) && info.ParamTypes.Count == args.Length
                  && info.ParamTypes.Zip(args).All(p => Matches(p.First, p.Second));
        if (!ok)
        {
            var host = $"{IrName(ret)} ({string.Join(", ", args.Select(IrName))})";
            throw new TierflowException($"{f.Name}: signature mismatch: the IR has {info.Signature}, the host asked for {host}", ExitCodes.BadInput);
        }
    }

    static bool Matches(string ir, Type t)
    {
        var name = IrName(t);
        // nint/long are interchangeable with ptr on x86-64: both are one 64-bit register.
        return ir == name || (ir == "ptr" && name == "i64") || (ir == "i64" && name == "ptr");
    }
}
