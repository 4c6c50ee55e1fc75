// corpus: exit(5) called from a nested function (not main); buffered stdout incl. a partial line must be flushed
// exit: 5
#include <stdio.h>
#include <stdlib.h>

static unsigned state = 12345u;
static unsigned long total;

/* LCG step, called 20000 times. */
static unsigned step(unsigned x) { return x * 1103515245u + 12345u; }

/* Innermost frame: decides to terminate the whole program. */
static void bail_out(int iter, unsigned v) {
    printf("bail_out: stopping at iteration %d, state %u, total %lu\n", iter, v, total);
    printf("partial line without newline, then exit(5)...");
    exit(5);
}

static void check(unsigned v, int iter) {
    total += v >> 20;
    if (iter == 20000) bail_out(iter, v);
}

static void process(int iter) {
    state = step(state);
    if (iter % 2500 == 0) printf("iter %d state %u\n", iter, state);
    check(state, iter);
}

static void run(int limit) {
    for (int i = 1; i <= limit; i++) process(i);
}

int main(void) {
    printf("start\n");
    run(100000);
    printf("never printed\n");
    return 0;
}
