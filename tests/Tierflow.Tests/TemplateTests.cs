using System.Text;
using System.Text.Json.Nodes;

namespace Tierflow.Tests;

/// <summary>
/// Every compile after load reads the template afresh and lazily (FunctionCompiler.OpenTemplate): only the
/// bodies it keeps (the function, its callee copies at the final tier, functions with block addresses) are
/// read, and every other body is dropped unread. These tests run a program of many functions, few of them
/// called, through every rung, OSR continuations and callee copies, in the ways a body could be missed.
/// </summary>
public class TemplateTests
{
    /// <summary>
    /// 400 functions that are never called, between the ones that are: a chain of small functions (copied into
    /// their callers at the final tier), a recursive one, one with a computed-goto table, and main's loop.
    /// </summary>
    internal static string Program()
    {
        var s = new StringBuilder("""
            #include <stdio.h>
            static unsigned leaf(unsigned x) { return x * 2654435761u + 7u; }
            static unsigned mid(unsigned x) { return leaf(x) ^ leaf(x >> 3); }
            static unsigned top(unsigned x) { return mid(x) + mid(x + 1u); }
            static unsigned rec(unsigned n) { return n < 2 ? n : rec(n - 1) + rec(n - 2); }
            static unsigned interp(unsigned x) {
                static void *ops[] = { &&add, &&mul, &&done };
                static const unsigned char code[] = { 0, 1, 0, 2 };
                const unsigned char *pc = code;
                goto *ops[*pc++];
            add: x += 11u; goto *ops[*pc++];
            mul: x *= 3u; goto *ops[*pc++];
            done: return x;
            }

            """);
        for (int i = 0; i < 400; i++)
            s.Append($"unsigned unused{i}(unsigned x) {{ unsigned s = 0; for (unsigned k = 0; k < x; k++) s += (k ^ {i}u) * {i + 1}u; return s; }}\n");
        s.Append("""
            int main(void) {
                unsigned s = 1;
                for (unsigned i = 0; i < 300000; i++) s = top(s ^ i) + interp(s & 7u);
                printf("%u %u\n", s, rec(20));
                return 0;
            }
            """);
        return s.ToString();
    }

    static List<JsonObject> Run(string c, string name, params string[] mode)
    {
        var json = Path.Combine(TestSupport.Scratch, name + ".jsonl");
        var r = TestSupport.Tierflow(new[] { "run", c, "--stress", "--trace-json", json }.Concat(mode));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var compiles = File.ReadAllLines(json).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(o => o["event"] == null && o["from"] != null).ToList();
        // A compile that missed a body it needed (a callee copy left empty, a block-address table pointing into
        // nothing) fails verification and leaves its function behind: none may fail, and nothing that is never
        // called is compiled.
        Assert.All(compiles, o => Assert.Null((string?)o["error"]));
        Assert.DoesNotContain(compiles, o => ((string?)o["function"])!.StartsWith("unused", StringComparison.Ordinal));
        return compiles;
    }

    [Fact]
    public void AFewFunctionsOfAManyFunctionProgramClimbEveryRung()
    {
        var c = TestSupport.WriteScratch("template_many.c", Program());
        // Without OSR, main stays at O0 and its loop calls the others through their slots all along: under
        // --sync each climbs every rung, its final tier with copies of its callees.
        var compiles = Run(c, "template_many_noosr", "--sync", "--no-osr");
        string[] Tiers(string f) => compiles.Where(o => (string?)o["function"] == f && o["osr_loop"] == null).Select(o => (string)o["to"]!).ToArray();
        foreach (var f in new[] { "top", "mid", "rec", "interp" })
            Assert.Equal(["O1", "O2", "O3"], Tiers(f));
        // With OSR, main moves into a continuation with copies of top, mid and leaf.
        compiles = Run(c, "template_many_osr", "--sync");
        Assert.Contains(compiles, o => (string?)o["function"] == "main" && o["osr_loop"] != null);
        // And with a compile worker, where tier-ups are batched.
        Run(c, "template_many_worker");
    }
}
