// corpus: every function reached through its stub (&f) under symbol names assembly must quote ($, dots, an asm label with a quote), and variadic calls with floating-point arguments through pointers, while tiers change
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double vsum(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap);
    return s;
}

static long vmix(const char *tag, ...) {
    va_list ap;
    va_start(ap, tag);
    long acc = tag[0];
    for (;;) {
        int kind = va_arg(ap, int);
        if (kind == 0) break;
        if (kind == 1) acc = acc * 31 + va_arg(ap, int);
        else acc = acc * 37 + (long)(va_arg(ap, double) * 8.0);
    }
    va_end(ap);
    return acc;
}

int dollar$fn(int x) { return x * 3 + 1; }
int dotted(int x) __asm__("tf.dotted.name");
int dotted(int x) { return x ^ 0x55; }
int quoted(int x) __asm__("tf\"quoted");
int quoted(int x) { return x + 7; }

static int by_value(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

typedef double (*vsum_fn)(int, ...);
typedef long (*vmix_fn)(const char *, ...);
typedef int (*int_fn)(int);

int main(void) {
    vsum_fn volatile vs = vsum;
    vmix_fn volatile vm = vmix;
    int_fn volatile fs[3] = {dollar$fn, dotted, quoted};
    double dsum = 0;
    long lsum = 0, isum = 0;
    for (int i = 0; i < 30000; i++) {
        dsum += vs(4, i * 0.5, 1.25, -2.0, (double)(i & 7));
        lsum = lsum * 3 + vm("k", 1, i, 2, i * 0.25, 1, -i, 0);
        isum += fs[i % 3](i);
        if (fs[0] != dollar$fn || fs[1] != dotted || fs[2] != quoted || vs != vsum) {
            printf("a function's address changed at iteration %d\n", i);
            return 1;
        }
    }
    int a[64];
    uint32_t s = 12345;
    for (int i = 0; i < 64; i++) { s = s * 1103515245u + 12345u; a[i] = (int)(s >> 8) % 1000; }
    for (int r = 0; r < 200; r++) qsort(a, 64, sizeof a[0], by_value);
    long sorted = 0;
    for (int i = 0; i < 64; i++) sorted = sorted * 7 + a[i];
    printf("vsum %.2f\nvmix %ld\nints %ld\nsorted %ld\n", dsum, lsum, isum, sorted);
    printf("checksum: %ld\n", (long)dsum ^ lsum ^ isum ^ sorted);
    return 0;
}
