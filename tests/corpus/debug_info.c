// corpus: built with -g: the program's DWARF (subprograms, locations, variables) goes through every tier, the callee copies and the OSR continuations of main's loops
// cflags: -g
#include <stdio.h>
#include <string.h>

struct point { long x, y; };

static unsigned long long state = 88172645463325252ULL;
static unsigned next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (unsigned)state;
}

static long depth(int n, long acc) { return n == 0 ? acc : depth(n - 1, acc * 3 + n) % 1000003; }

static struct point step(struct point p, unsigned r) {
    struct point q = { p.x + (long)(r & 15) - 7, p.y * 5 % 9973 + (long)(r >> 28) };
    return q;
}

static void bump(long *cell, long by) { *cell += by; }

int main(void) {
    struct point p = { 1, 1 };
    long hist[16];
    memset(hist, 0, sizeof hist);
    unsigned long total = 0;
    for (int i = 0; i < 30000; i++) {          /* a hot loop in main: OSR */
        unsigned r = next();
        p = step(p, r);
        long local = (long)(r % 97);
        bump(&local, i & 7);                    /* an escaping local inside the loop */
        hist[r & 15] += local;
        if ((i & 255) == 0) total += (unsigned long)depth(20 + (i & 31), i);
    }
    for (int k = 0; k < 16; k++) total = total * 31 + (unsigned long)hist[k];
    printf("point %ld %ld\n", p.x, p.y);
    printf("checksum: %lu\n", total);
    return 0;
}
