using System.Runtime.InteropServices;

namespace Tierflow.Runtime;

/// <summary>
/// Host memory that JIT code reads on every call: one dispatch slot (code address) and one countdown
/// (int32) per tierable function. JIT code reaches both through absolute symbols (__tf_slots,
/// __tf_counters). A slot is swapped with one aligned 8-byte store, which x86-64 makes atomic: a caller
/// sees either the old code or the new, never a torn pointer. Counters are racy by design (see
/// IrRewriter.InsertEntryCountdown).
/// </summary>
internal sealed unsafe class DispatchTable : IDisposable
{
    readonly int _count;
    nint _slots, _counters;

    public DispatchTable(int count)
    {
        _count = Math.Max(count, 1);
        _slots = (nint)NativeMemory.AlignedAlloc((nuint)(_count * 8), 64);
        _counters = (nint)NativeMemory.AlignedAlloc((nuint)(_count * 4), 64);
        NativeMemory.Clear((void*)_slots, (nuint)(_count * 8));
        for (int i = 0; i < _count; i++) ((int*)_counters)[i] = int.MaxValue;
    }

    public nint SlotsAddress => _slots;
    public nint CountersAddress => _counters;

    public nint ReadSlot(int i) => Volatile.Read(ref ((nint*)_slots)[i]);
    public void WriteSlot(int i, nint code) => Volatile.Write(ref ((nint*)_slots)[i], code);
    public int ReadCounter(int i) => Volatile.Read(ref ((int*)_counters)[i]);
    public void WriteCounter(int i, int value) => Volatile.Write(ref ((int*)_counters)[i], value);

    public void Dispose()
    {
        if (_slots != 0) { NativeMemory.AlignedFree((void*)_slots); _slots = 0; }
        if (_counters != 0) { NativeMemory.AlignedFree((void*)_counters); _counters = 0; }
    }
}
