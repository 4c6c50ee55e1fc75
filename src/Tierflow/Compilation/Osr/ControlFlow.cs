using Tierflow.Interop;

namespace Tierflow.Compilation.Osr;

/// <summary>
/// The control-flow facts loop instrumentation and on-stack replacement need about one function: blocks in
/// layout order, predecessors, dominators (Cooper, Harvey and Kennedy's iterative algorithm over reverse
/// postorder) and the natural-loop headers. A snapshot: it describes the function as it was when taken,
/// so callers take it before they change anything.
/// </summary>
internal sealed class ControlFlow
{
    readonly Dictionary<LLVMBasicBlockRef, int> _index = [];
    readonly List<int>[] _succ;
    readonly List<int>[] _pred;
    readonly int[] _idom;       // -1: unreachable from the entry
    readonly int[] _postorder;  // position in postorder, for the intersection walk

    public IReadOnlyList<LLVMBasicBlockRef> Blocks { get; }
    public IReadOnlyList<int> Predecessors(int b) => _pred[b];
    public IReadOnlyList<int> Successors(int b) => _succ[b];
    public int IndexOf(LLVMBasicBlockRef bb) => _index.TryGetValue(bb, out int i) ? i : -1;
    public bool IsReachable(int b) => _idom[b] >= 0;

    /// <summary>Blocks that are the target of a back-edge (an edge from a block they dominate), in layout order.</summary>
    public IReadOnlyList<int> LoopHeaders { get; }

    ControlFlow(LLVMValueRef fn)
    {
        Blocks = Ir.Blocks(fn).ToList();
        int n = Blocks.Count;
        for (int i = 0; i < n; i++) _index[Blocks[i]] = i;
        _succ = new List<int>[n];
        _pred = new List<int>[n];
        for (int i = 0; i < n; i++) { _succ[i] = []; _pred[i] = []; }
        for (int i = 0; i < n; i++)
        {
            var term = Llvm.LLVMGetBasicBlockTerminator(Blocks[i]);
            if (term.IsNull) continue;
            uint count = Llvm.LLVMGetNumSuccessors(term);
            for (uint s = 0; s < count; s++)
            {
                int j = _index[Llvm.LLVMGetSuccessor(term, s)];
                if (!_succ[i].Contains(j)) { _succ[i].Add(j); _pred[j].Add(i); }
            }
        }

        // Reverse postorder from the entry, iteratively (main can have thousands of blocks).
        _postorder = new int[n];
        Array.Fill(_postorder, -1);
        var order = new List<int>(n);
        if (n > 0)
        {
            var visited = new bool[n];
            var stack = new Stack<(int Block, int Next)>();
            stack.Push((0, 0));
            visited[0] = true;
            while (stack.Count > 0)
            {
                var (b, next) = stack.Pop();
                if (next < _succ[b].Count)
                {
                    stack.Push((b, next + 1));
                    int s = _succ[b][next];
                    if (!visited[s]) { visited[s] = true; stack.Push((s, 0)); }
                }
                else { _postorder[b] = order.Count; order.Add(b); }
            }
        }
        order.Reverse();

        _idom = new int[n];
        Array.Fill(_idom, -1);
        if (n > 0) _idom[0] = 0;
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (int b in order)
            {
                if (b == 0) continue;
                int idom = -1;
                foreach (int p in _pred[b])
                    if (_idom[p] >= 0) idom = idom < 0 ? p : Intersect(p, idom);
                if (idom != _idom[b]) { _idom[b] = idom; changed = true; }
            }
        }

        var headers = new List<int>();
        for (int h = 0; h < n; h++)
            if (IsReachable(h) && _pred[h].Any(p => IsReachable(p) && Dominates(h, p))) headers.Add(h);
        LoopHeaders = headers;
    }

    public static ControlFlow Of(LLVMValueRef fn) => new(fn);

    int Intersect(int a, int b)
    {
        while (a != b)
        {
            while (_postorder[a] < _postorder[b]) a = _idom[a];
            while (_postorder[b] < _postorder[a]) b = _idom[b];
        }
        return a;
    }

    /// <summary>Whether every path from the entry to <paramref name="b"/> passes through <paramref name="a"/>.</summary>
    public bool Dominates(int a, int b)
    {
        if (!IsReachable(b)) return false;
        for (int x = b; ; x = _idom[x])
        {
            if (x == a) return true;
            if (x == 0) return false;
        }
    }

    /// <summary>Whether loop header <paramref name="inner"/> lies inside the loop headed by <paramref name="outer"/>:
    /// the outer header dominates it and can be reached again from it.</summary>
    public bool IsNestedIn(int inner, int outer) => inner != outer && Dominates(outer, inner) && ReachableFrom(inner)[outer];

    /// <summary>The blocks of the natural loop headed by <paramref name="header"/>: itself and every block that
    /// reaches one of its back-edges without passing through it.</summary>
    public bool[] LoopBody(int header)
    {
        var body = new bool[Blocks.Count];
        body[header] = true;
        var work = new Stack<int>(_pred[header].Where(p => IsReachable(p) && Dominates(header, p)));
        while (work.Count > 0)
        {
            int b = work.Pop();
            if (body[b]) continue;
            body[b] = true;
            foreach (int p in _pred[b]) if (!body[p] && IsReachable(p)) work.Push(p);
        }
        return body;
    }

    Dictionary<int, int>? _parents;

    /// <summary>Each loop header's innermost enclosing loop header, or -1 for an outermost loop.</summary>
    public IReadOnlyDictionary<int, int> LoopParents
    {
        get
        {
            if (_parents != null) return _parents;
            var bodies = LoopHeaders.ToDictionary(h => h, LoopBody);
            var sizes = bodies.ToDictionary(kv => kv.Key, kv => kv.Value.Count(x => x));
            _parents = LoopHeaders.ToDictionary(h => h, h => LoopHeaders
                .Where(o => o != h && bodies[o][h]).OrderBy(o => sizes[o]).DefaultIfEmpty(-1).First());
            return _parents;
        }
    }

    /// <summary>The blocks that dominate <paramref name="b"/>, itself included.</summary>
    public HashSet<int> DominatorsOf(int b)
    {
        var set = new HashSet<int>();
        if (!IsReachable(b)) return set;
        for (int x = b; ; x = _idom[x])
        {
            set.Add(x);
            if (x == 0) return set;
        }
    }

    /// <summary>The blocks reachable from <paramref name="from"/> (itself included), optionally on paths that
    /// never enter <paramref name="avoid"/>.</summary>
    public bool[] ReachableFrom(int from, int avoid = -1)
    {
        var seen = new bool[Blocks.Count];
        var work = new Stack<int>();
        work.Push(from);
        seen[from] = true;
        while (work.Count > 0)
            foreach (int s in _succ[work.Pop()])
                if (!seen[s] && s != avoid) { seen[s] = true; work.Push(s); }
        return seen;
    }
}
