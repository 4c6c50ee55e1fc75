// corpus: setjmp/longjmp across several frames, volatile locals, nested handlers, longjmp(env, 0)
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer_env, inner_env;
static unsigned long depth_reached;

/* Three-frame-deep thrower: longjmps when the counter hits a multiple of `every`. */
static void level3(int i, int every) {
    depth_reached += 3;
    if (i % every == 0) longjmp(inner_env, i % 5 + 1); /* values 1..5 */
}
static int level2(int i, int every) {
    int local = i * 3;
    level3(i, every);
    return local + 1;
}
static int level1(int i, int every) {
    return level2(i, every) + level2(i + 1, every + 1);
}

/* Installs a handler, runs level1; returns the longjmp value (or 0 if none). */
static int guarded(int i, volatile int *side) {
    volatile int before = *side; /* modified after setjmp: must be volatile */
    int code = setjmp(inner_env);
    if (code != 0) {
        *side = before + code;
        return code;
    }
    before += 100;
    *side += level1(i, 7) & 1;
    return 0;
}

/* Rethrows to the outer handler through an intermediate frame. */
static void rethrow_deep(int n) {
    if (n == 0) longjmp(outer_env, 0); /* longjmp with 0 makes setjmp return 1 */
    rethrow_deep(n - 1);
}

int main(void) {
    volatile int side = 0;
    int counts[6] = {0};
    for (int i = 1; i <= 6000; i++) counts[guarded(i, &side)]++;
    printf("no jump: %d\n", counts[0]);
    for (int c = 1; c <= 5; c++) printf("jumped with %d: %d times\n", c, counts[c]);
    printf("side = %d, depth units = %lu\n", side, depth_reached);

    /* Outer handler with volatile loop state that survives repeated longjmps. */
    volatile int rounds = 0;
    volatile unsigned long acc = 0;
    int v = setjmp(outer_env);
    acc = acc * 3u + (unsigned)v;
    if (rounds < 2000) {
        rounds++;
        rethrow_deep(rounds % 9);
    }
    printf("outer: rounds %d, last setjmp value %d, acc %lu\n", rounds, v, acc);

    /* A jump from inside a loop nested in a callee of the handler frame. */
    volatile int hits = 0;
    for (int k = 0; k < 100; k++) {
        if (setjmp(inner_env) == 0) {
            for (int j = 0;; j++) {
                if (j == k % 10) level3(7, 7); /* 7 % 7 == 0: always jumps */
            }
        } else {
            hits++;
        }
    }
    printf("loop escapes: %d\n", hits);
    printf("checksum: %lu\n", acc * 31u + (unsigned long)side + depth_reached + (unsigned long)hits);
    return 0;
}
