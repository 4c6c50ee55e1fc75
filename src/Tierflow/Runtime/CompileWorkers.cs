using System.Collections.Concurrent;
using Tierflow.Compilation;

namespace Tierflow.Runtime;

/// <summary>
/// Background compile threads. Each owns a FunctionCompiler (its own LLVM context; target machines come
/// from HostTarget's pool):
/// LLJIT built through the C API crashed when two threads compiled IR in it at once, so IR never enters
/// the JIT; workers hand it finished object files, which it links safely from any thread.
/// </summary>
internal sealed class CompileWorkers
{
    readonly TieredProgram _program;
    // Two queues, taken in order: OSR continuations first, because a frame is running at the first tier
    // until its continuation exists, while a tier-up only speeds up calls that have not started yet.
    readonly BlockingCollection<CompileRequest> _osr = new();
    readonly BlockingCollection<CompileRequest> _tiers = new();
    readonly BlockingCollection<CompileRequest>[] _queues;
    readonly List<Thread> _threads = [];
    int _nextWorker;

    public CompileWorkers(TieredProgram program, int count)
    {
        _program = program;
        _queues = [_osr, _tiers];
        for (int i = 0; i < count; i++) StartWorker();
    }

    public void Enqueue(CompileRequest r)
    {
        try { (r.Osr != Compilation.Osr.OsrEntries.None ? _osr : _tiers).Add(r); }
        catch (InvalidOperationException) { _program.Cancel(r); } // the queue closed: the program is stopping
    }

    readonly HashSet<Thread> _retired = []; // parked forever after an LLVM fatal error: never joined

    void StartWorker()
    {
        var t = new Thread(Run) { IsBackground = true, Name = $"tierflow-compile-{Interlocked.Increment(ref _nextWorker)}" };
        // Started under the lock: Stop may only ever see (and join) started threads.
        lock (_threads) { _threads.Add(t); t.Start(); }
    }

    void Run()
    {
        _program.OnWorkerStarted();
        using var compiler = _program.NewCompiler();
        CompileRequest? current = null;
        // If LLVM hits a fatal error on this thread, this handler runs and the thread then parks forever
        // (see FatalErrors). The request is failed and a fresh worker with a fresh context takes over.
        FatalErrors.SetWorkerHandler(reason =>
        {
            lock (_threads) { _threads.Remove(Thread.CurrentThread); _retired.Add(Thread.CurrentThread); }
            if (current != null) _program.Abandon(current, $"LLVM fatal error: {reason} (the worker was retired)", background: true);
            StartWorker();
        });
        while (true)
        {
            CompileRequest? r;
            try { BlockingCollection<CompileRequest>.TakeFromAny(_queues, out r); }
            catch (ArgumentException) { return; } // every queue is closed and empty: the program is stopping
            if (r == null) continue;
            current = r = _program.AtDequeue(r);
            _program.Execute(r, compiler, background: true);
            ProcessExit.AfterCompile();
            current = null;
        }
    }

    /// <summary>Stops taking requests and, with <paramref name="join"/>, joins the workers: a compile in
    /// progress finishes its current phase first. Without, a worker may still be inside LLVM on return.</summary>
    public void Stop(bool join)
    {
        _osr.CompleteAdding();
        _tiers.CompleteAdding();
        if (!join) return;
        Thread[] threads;
        lock (_threads) threads = _threads.ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var t in threads)
        {
            if (t == Thread.CurrentThread) continue;
            // A worker may be retired by a fatal error while we wait: it will never finish, so stop waiting.
            while (!t.Join(TimeSpan.FromMilliseconds(20)) && DateTime.UtcNow < deadline)
                lock (_threads) if (_retired.Contains(t)) break;
        }
    }
}
