using System.Text;

namespace Tierflow.Compilation;

/// <summary>
/// The entry countdown, as a stub in front of each function's body (.NET's call-counting stubs). While a
/// function is counted, its dispatch slot points at its counting stub:
///
///     __tf_count_i:  movq __tf_counters@GOTPCREL(%rip), %r11
///                    subl $1, 4*i(%r11)           ; one countdown per function (RuntimeSymbols.Counters)
///                    jle  1f
///                    movq __tf_bodies@GOTPCREL(%rip), %r11
///                    jmpq *8*i(%r11)              ; the body at the current tier
///                1:  movl $i, %r11d
///                    jmp  __tf_hot
///
/// and once it reaches its final tier the slot points at the body itself, so final code pays nothing.
/// __tf_hot saves every register an argument can be in (rdi, rsi, rdx, rcx, r8, r9, rax for a variadic
/// call's vector count, r10 for a static chain, and all sixteen vector registers at the host's width),
/// calls the host's on-hot callback, restores them and jumps to the body it read before the callback. So
/// the entry that ran the countdown out runs the tier it was counted at, as with the countdown prologue
/// this replaces; with --sync the install inside the callback reaches the next call. The stack arguments
/// are not touched.
///
/// Why not a countdown in the body, as before: the countdown split the body's entry block and called the
/// host, so at O0 every argument was spilled and reloaded across it and the function needed a frame. A
/// two-line rotate in sha256 ran 1.68 times as long with it (docs/results/session9-experiments.md), and
/// the extra blocks cost code generation time at load. The stubs are assembly: the code generator never
/// sees them (see IrRewriter.StubAssembly).
/// </summary>
internal static class CountingStubs
{
    /// <summary>Bytes of each vector argument register __tf_hot saves: 64 with AVX-512, 32 with AVX, else 16.</summary>
    public static int VectorWidth(string hostFeatures)
    {
        var features = hostFeatures.Split(',');
        return features.Contains("+avx512f") ? 64 : features.Contains("+avx") ? 32 : 16;
    }

    public static string Assembly(IEnumerable<int> functions, int pointerSize, int vectorWidth, bool lazy)
    {
        var s = new StringBuilder();
        s.Append($"\t.section {IrRewriter.StubSection},\"ax\",@progbits\n");
        foreach (int i in functions)
        {
            var name = RuntimeSymbols.CountingStub(i);
            s.Append($"\t.p2align 4\n\t.globl {name}\n\t.type {name},@function\n{name}:\n");
            s.Append($"\tmovq {RuntimeSymbols.Counters}@GOTPCREL(%rip), %r11\n");
            s.Append($"\tsubl $1, {i * 4}(%r11)\n");
            s.Append($"\tjle .L{name}.hot\n");
            s.Append($"\tmovq {RuntimeSymbols.Bodies}@GOTPCREL(%rip), %r11\n");
            s.Append($"\tjmpq *{i * pointerSize}(%r11)\n");
            s.Append($".L{name}.hot:\n\tmovl ${i}, %r11d\n\tjmp {RuntimeSymbols.Hot}\n");
            s.Append($"\t.size {name}, .-{name}\n");
        }
        // Entered by jmp from a counting stub, so the stack is as the caller left it at its call: rsp is 8 mod 16.
        // rbp and nine registers (80 bytes) leave rsp 8 mod 16, hence the area below them is 8 mod 16 bytes long.
        // The other general-purpose registers are callee-saved in the C convention the callback follows, so it
        // keeps them, whatever the guest's convention passes in them; r11 carries nothing in any convention
        // LLVM has for x86-64 (the stubs use it).
        string move = vectorWidth switch { 64 => "vmovdqu64", 32 => "vmovdqu", _ => "movdqu" };
        string reg = vectorWidth switch { 64 => "zmm", 32 => "ymm", _ => "xmm" };
        // All sixteen vector registers, not only the eight C passes arguments in: regcall passes arguments in
        // xmm8-15 and preserve_all expects them kept, and the host's callback may use them.
        const int vectors = 16;
        // The vector registers, the spare 8 bytes (the index) and 16 more (errno): rsp stays 16-aligned.
        int area = vectors * vectorWidth + 8 + 16;
        string[] saved = ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "r10", "r11"];
        var h = RuntimeSymbols.Hot;
        s.Append($"\t.p2align 4\n\t.globl {h}\n\t.type {h},@function\n{h}:\n");
        s.Append("\tpushq %rbp\n\tmovq %rsp, %rbp\n");
        foreach (var r in saved) s.Append($"\tpushq %{r}\n");
        s.Append($"\tsubq ${area}, %rsp\n");
        for (int k = 0; k < vectors; k++) s.Append($"\t{move} %{reg}{k}, {k * vectorWidth}(%rsp)\n");
        // The saved r11 (the function's index, the last push) becomes the jump target: the body this entry was
        // counted for, read before the callback, so that a --sync install inside it reaches the next call. A
        // function not compiled yet has none (0: TieredProgram.Lazy); the callback compiles it, and its body is
        // read again after the call, by the index kept in the spare 8 bytes above the vector registers.
        int spare = vectors * vectorWidth, errnoSlot = spare + 8;
        // The callback guard (Runtime.CallbackGuard): a thread already inside the runtime (a signal handler that
        // interrupted a callback, or guest code a signal runs on a compile worker) does not call it again, but
        // goes to the function's current body; one that has none yet calls anyway (there is nothing else to run).
        // rsp is 16-aligned here, as for the callback itself.
        s.Append(InForkedChild("4f"));
        s.Append(GuardFlag("pthread_getspecific"));
        s.Append("\ttestq %rax, %rax\n\tjz 2f\n");
        s.Append($"4:\n\tmovq {area}(%rsp), %r11\n");
        s.Append($"\tmovq {RuntimeSymbols.Bodies}@GOTPCREL(%rip), %rax\n\tmovq (%rax,%r11,{pointerSize}), %rax\n");
        s.Append($"\ttestq %rax, %rax\n\tjz 2f\n\tmovq %rax, {area}(%rsp)\n\tjmp 3f\n2:\n");
        s.Append(GuardFlag("pthread_setspecific", 1));
        s.Append(Errno(save: true, $"{errnoSlot}(%rsp)"));
        s.Append($"\tmovq {area}(%rsp), %r11\n");
        s.Append($"\tmovl %r11d, %esi\n\tmovq %r11, {spare}(%rsp)\n\tmovq {RuntimeSymbols.Bodies}@GOTPCREL(%rip), %rax\n");
        s.Append($"\tmovq (%rax,%r11,{pointerSize}), %r11\n\tmovq %r11, {area}(%rsp)\n");
        s.Append($"\tmovq {RuntimeSymbols.ProgramId}@GOTPCREL(%rip), %rax\n\tmovl (%rax), %edi\n");
        s.Append($"\tcallq *{RuntimeSymbols.OnHot}@GOTPCREL(%rip)\n");
        s.Append($"\tcmpq $0, {area}(%rsp)\n\tjne 1f\n\tmovq {spare}(%rsp), %rcx\n");
        s.Append($"\tmovq {RuntimeSymbols.Bodies}@GOTPCREL(%rip), %rax\n\tmovq (%rax,%rcx,{pointerSize}), %rax\n\tmovq %rax, {area}(%rsp)\n1:\n");
        s.Append(Errno(save: false, $"{errnoSlot}(%rsp)"));
        s.Append(GuardFlag("pthread_setspecific", 0));
        s.Append("3:\n");
        for (int k = 0; k < vectors; k++) s.Append($"\t{move} {k * vectorWidth}(%rsp), %{reg}{k}\n");
        s.Append($"\taddq ${area}, %rsp\n");
        foreach (var r in saved.Reverse()) s.Append($"\tpopq %{r}\n");
        s.Append("\tpopq %rbp\n\tjmpq *%r11\n");
        s.Append($"\t.size {h}, .-{h}\n");
        s.Append(LoopCallback());
        s.Append(ThreadDestructor());
        s.Append(ThreadDestructorRegistration(lazy));
        return s.ToString();
    }

    /// <summary>
    /// A call of pthread_getspecific (no value) or pthread_setspecific (value 0 or 1) on the callback guard's key
    /// (RuntimeSymbols.GuardKey, in host memory). It clobbers what a C call may.
    /// </summary>
    static string GuardFlag(string function, int? value = null) =>
        $"\tmovq {RuntimeSymbols.GuardKey}@GOTPCREL(%rip), %rax\n\tmovl (%rax), %edi\n" +
        (value is { } v ? (v == 0 ? "\txorl %esi, %esi\n" : $"\tmovl ${v}, %esi\n") : "") +
        $"\tcallq {function}@PLT\n";

    /// <summary>
    /// Jumps to <paramref name="guarded"/> in a child the program forked: there the runtime's other threads (the
    /// compile workers) are gone, with any lock they held, so the child never calls it and runs on at the tiers
    /// it has. The runtime's pid is in host memory (RuntimeSymbols.ProcessId). It clobbers what a C call may.
    /// </summary>
    static string InForkedChild(string guarded) =>
        $"\tcallq getpid@PLT\n\tmovq {RuntimeSymbols.ProcessId}@GOTPCREL(%rip), %rcx\n\tcmpl (%rcx), %eax\n\tjne {guarded}\n";

    /// <summary>
    /// Saves the guest's errno into <paramref name="slot"/>, or puts it back: a callback runs .NET and LLVM,
    /// whose system calls set errno, and the guest may read it after the call that ran out its countdown
    /// (strtol; f(); if (errno) ...). It clobbers what a C call may.
    /// </summary>
    static string Errno(bool save, string slot) =>
        "\tcallq __errno_location@PLT\n" + (save ? $"\tmovl (%rax), %ecx\n\tmovl %ecx, {slot}\n" : $"\tmovl {slot}, %ecx\n\tmovl %ecx, (%rax)\n");

    /// <summary>
    /// __tf_thread_dtor(record), which glibc calls as a thread exits, for each thread-local destructor the program
    /// registered (__tf_cxa_thread_atexit, below): record is {destructor, object}, malloc'd; it is freed,
    /// then the destructor runs with the callback guard set and the guard's value is put back. So a countdown that
    /// runs out in it goes to the body it has, and the thread does not enter the .NET runtime while it exits.
    /// </summary>
    static string ThreadDestructor()
    {
        var s = new StringBuilder();
        var name = RuntimeSymbols.ThreadDtor;
        s.Append($"\t.p2align 4\n\t.globl {name}\n\t.type {name},@function\n{name}:\n");
        // rbp, rbx and 24 bytes (the guard's value, the object, the destructor): rsp is 16-aligned for the calls.
        s.Append("\tpushq %rbp\n\tmovq %rsp, %rbp\n\tpushq %rbx\n\tsubq $24, %rsp\n\tmovq %rdi, %rbx\n");
        s.Append(GuardFlag("pthread_getspecific"));
        s.Append("\tmovq %rax, -16(%rbp)\n");
        s.Append(GuardFlag("pthread_setspecific", 1));
        s.Append("\tmovq 8(%rbx), %rax\n\tmovq %rax, -24(%rbp)\n\tmovq (%rbx), %rax\n\tmovq %rax, -32(%rbp)\n");
        s.Append("\tmovq %rbx, %rdi\n\tcallq free@PLT\n");
        s.Append("\tmovq -24(%rbp), %rdi\n\tcallq *-32(%rbp)\n");
        s.Append($"\tmovq {RuntimeSymbols.GuardKey}@GOTPCREL(%rip), %rax\n\tmovl (%rax), %edi\n\tmovq -16(%rbp), %rsi\n\tcallq pthread_setspecific@PLT\n");
        s.Append("\tmovq -8(%rbp), %rbx\n\tleave\n\tretq\n");
        s.Append($"\t.size {name}, .-{name}\n");
        return s.ToString();
    }

    /// <summary>
    /// __tf_cxa_thread_atexit(destructor, object, dso), the program's __cxa_thread_atexit: registers
    /// {destructor, object} (malloc'd) with glibc's __cxa_thread_atexit_impl behind __tf_thread_dtor, or the
    /// destructor itself if malloc fails. Under --lazy it first calls the host (__tf_thread_dtor_host), which
    /// compiles the destructor on this living thread if it has no code yet. Natively otherwise: a thread that
    /// initializes a thread-local does not enter the .NET runtime for it. Any destructor is wrapped, the
    /// program's or not: the guard only keeps the program's own callbacks from running.
    /// </summary>
    static string ThreadDestructorRegistration(bool lazy)
    {
        var s = new StringBuilder();
        var name = RuntimeSymbols.CxaThreadAtexit;
        s.Append($"\t.p2align 4\n\t.globl {name}\n\t.type {name},@function\n{name}:\n");
        // rbp and the three arguments, then 8 bytes: rsp is 16-aligned for the calls.
        s.Append("\tpushq %rbp\n\tmovq %rsp, %rbp\n\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tsubq $8, %rsp\n");
        if (lazy) s.Append($"\tcallq *{RuntimeSymbols.ThreadDtorHost}@GOTPCREL(%rip)\n");
        s.Append("\tmovl $16, %edi\n\tcallq malloc@PLT\n\ttestq %rax, %rax\n\tjz 1f\n");
        s.Append("\tmovq -8(%rbp), %rcx\n\tmovq %rcx, (%rax)\n\tmovq -16(%rbp), %rcx\n\tmovq %rcx, 8(%rax)\n");
        s.Append($"\tmovq %rax, %rsi\n\tleaq {RuntimeSymbols.ThreadDtor}(%rip), %rdi\n\tmovq -24(%rbp), %rdx\n");
        s.Append("\tcallq __cxa_thread_atexit_impl@PLT\n\tleave\n\tretq\n");
        s.Append("1:\n\tmovq -8(%rbp), %rdi\n\tmovq -16(%rbp), %rsi\n\tmovq -24(%rbp), %rdx\n");
        s.Append("\tcallq __cxa_thread_atexit_impl@PLT\n\tleave\n\tretq\n");
        s.Append($"\t.size {name}, .-{name}\n");
        return s.ToString();
    }

    /// <summary>
    /// __tf_on_loop(program, function, loop), which an O0 frame's OSR point calls when its loop countdown runs
    /// out: the host's callback (RuntimeSymbols.OnLoopHost) behind the callback guard. A guarded thread gets
    /// null: its frame keeps running at its tier, as when no continuation is ready.
    /// </summary>
    static string LoopCallback()
    {
        var s = new StringBuilder();
        var name = RuntimeSymbols.OnLoop;
        s.Append($"\t.p2align 4\n\t.globl {name}\n\t.type {name},@function\n{name}:\n");
        // rbp, the three arguments, the result and errno: rsp is 16-aligned for the calls.
        s.Append("\tpushq %rbp\n\tmovq %rsp, %rbp\n\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tsubq $24, %rsp\n");
        s.Append(InForkedChild("1f"));
        s.Append(GuardFlag("pthread_getspecific"));
        s.Append("\ttestq %rax, %rax\n\tjnz 1f\n");
        s.Append(GuardFlag("pthread_setspecific", 1));
        s.Append(Errno(save: true, "-40(%rbp)"));
        s.Append("\tmovq -8(%rbp), %rdi\n\tmovq -16(%rbp), %rsi\n\tmovq -24(%rbp), %rdx\n");
        s.Append($"\tcallq *{RuntimeSymbols.OnLoopHost}@GOTPCREL(%rip)\n\tmovq %rax, -32(%rbp)\n");
        s.Append(Errno(save: false, "-40(%rbp)"));
        s.Append(GuardFlag("pthread_setspecific", 0));
        s.Append("\tmovq -32(%rbp), %rax\n\tleave\n\tretq\n");
        s.Append("1:\n\txorl %eax, %eax\n\tleave\n\tretq\n");
        s.Append($"\t.size {name}, .-{name}\n");
        return s.ToString();
    }
}
