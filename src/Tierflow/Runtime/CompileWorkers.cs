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
        CallbackGuard.MarkRuntimeThread(); // guest code a signal runs here must not call back in (CallbackGuard)
        _program.OnWorkerStarted();
        using var compiler = _program.NewCompiler();
        IReadOnlyList<CompileRequest> current = [];
        // If LLVM hits a fatal error on this thread, this handler runs and the thread then parks forever
        // (see FatalErrors). The requests are failed and a fresh worker with a fresh context takes over.
        FatalErrors.SetWorkerHandler(reason =>
        {
            lock (_threads) { _threads.Remove(Thread.CurrentThread); _retired.Add(Thread.CurrentThread); }
            foreach (var r in current) _program.Abandon(r, $"LLVM fatal error: {reason} (the worker was retired)", background: true);
            StartWorker();
        });
        CompileRequest? next = null; // taken off the queue while gathering a batch, but not fit for it
        while (true)
        {
            CompileRequest? r = next;
            next = null;
            if (r == null)
            {
                // While replaced code waits to be freed, the wait is cut short when the next scan is due: a
                // host whose threads are now blocked, or all in final-tier code, calls the runtime no more.
                int wait = _program.ReclaimDueMilliseconds;
                try
                {
                    if (BlockingCollection<CompileRequest>.TryTakeFromAny(_queues, out r, wait) < 0)
                    {
                        if (_osr.IsCompleted && _tiers.IsCompleted) return; // closed and empty: the program is stopping
                        _program.Reclaim();
                        continue;
                    }
                }
                catch (ArgumentException) { return; } // every queue is closed and empty: the program is stopping
                if (r == null) continue;
                r = _program.AtDequeue(r);
            }
            var batch = new List<CompileRequest> { r };
            if (_program.Batchable(r, compiler)) next = Gather(batch, compiler);
            current = batch;
            _program.ExecuteBatch(batch, compiler, background: true);
            ProcessExit.AfterCompile();
            _program.Reclaim(); // the install may have retired a tier
            current = [];
        }
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> the tier-ups waiting behind its first request that go to the same tier,
    /// up to CompileBatch functions and TieredProgram.BatchInstructionBudget instructions. Each is raised as it
    /// is taken (AtDequeue), like any request. Returns the first request taken that does not fit (it is
    /// compiled next, ahead of the queue), or null.
    /// </summary>
    CompileRequest? Gather(List<CompileRequest> batch, FunctionCompiler compiler)
    {
        var target = batch[0].Target;
        bool final = target >= _program.FinalTier;
        int size = compiler.EstimatedSize(batch[0].Index, final);
        while (batch.Count < _program.Options.CompileBatch && _osr.Count == 0 && _tiers.TryTake(out var more))
        {
            more = _program.AtDequeue(more);
            int grow = more.Target == target && _program.Batchable(more, compiler) ? compiler.EstimatedSize(more.Index, final) : -1;
            if (grow < 0 || size + grow > TieredProgram.BatchInstructionBudget) return more;
            batch.Add(more);
            size += grow;
        }
        return null;
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
