// corpus: replaced tier code freed while the program runs: twelve functions that get hot one phase after another through a function-pointer table (each phase's calls into the runtime free the previous phases' replaced tiers), and a 20,000-deep recursion whose older frames still run in a tier that was replaced under them
#include <stdio.h>

#define F(n) static long f##n(long x) { return x * n + (x >> (n % 7)) + (x % (n + 3)); }
F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12)
static long (*const fs[12])(long) = {f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12};

/* Deep recursion: when its tier-ups install, the frames below are still in the replaced code and
 * must return into it. */
static long down(long d) { return d == 0 ? 1 : down(d - 1) + (d & 3); }

int main(void) {
    long t = 0;
    for (int p = 0; p < 12; p++) {
        for (long i = 0; i < 30000; i++) t += fs[p](i);
        t += down(20000 + p);
        printf("phase %d: %ld\n", p, t);
    }
    printf("checksum: %ld\n", t);
    return 0;
}
