namespace Tierflow.Tests;

/// <summary>
/// What the code of the upper tiers looks like: choices Tierflow makes for LLVM (HostTarget.LlvmOptions) that
/// show in the optimized IR. Each program also runs, and its output is compared with its clang -O2 build's.
/// </summary>
public class TopTierCodeTests
{
    // sieve's counting loop (bench/programs/sieve.c) in a function of its own: the store through `largest` is
    // conditional, and clang does not know `largest` cannot alias `c`.
    const string ConditionalStore = """
        #include <stdio.h>
        #include <stdlib.h>
        __attribute__((noinline)) int count(const unsigned char *c, int n, int *largest) {
            int k = 0;
            for (int i = 1; i < n; i++)
                if (!c[i]) { k++; *largest = 2 * i + 1; }
            return k;
        }
        int main(void) {
            int n = 100000, largest = 0;
            unsigned char *c = calloc(n, 1);
            for (int i = 0; i < n; i++) c[i] = (i * 7) % 3 == 0;
            int k = count(c, n, &largest);
            printf("%d %d\n", k, largest);
            return 0;
        }
        """;

    [Fact]
    public void AConditionalStoreIsNotVectorizedAsEmulatedMaskedStores()
    {
        // With LLVM's default allowance of one emulated masked store per loop, the loop vectorizer turns the
        // store into a compare, extract and branch per lane ("pred.store" blocks: 70 of them on the Zen 3
        // machine this was written on), and the loop runs slower than its scalar form.
        var c = TestSupport.WriteScratch("conditional_store.c", ConditionalStore);
        var dump = Directory.CreateDirectory(Path.Combine(TestSupport.Scratch, "conditional_store.ir")).FullName;
        var r = TestSupport.Tierflow(["run", c, "--eager", "O3"], new Dictionary<string, string> { ["TIERFLOW_DUMP_IR"] = dump });
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(TestSupport.NativeOutput(c), r.Stdout);
        var ir = File.ReadAllText(Path.Combine(dump, "base.after.ll"));
        Assert.Contains("define", ir);
        Assert.DoesNotContain("pred.store", ir);
    }
}
