// corpus: alloca, VLAs (parameters, locals, inside loops), dense switch (jump table), sparse switch, fallthrough, Duff's device
#include <alloca.h>
#include <stdint.h>
#include <stdio.h>

/* Hot: alloca'd scratch buffer of a data-dependent size (released at return). */
static uint32_t alloca_sum(int n) {
    uint32_t *buf = alloca((size_t)n * sizeof *buf);
    for (int i = 0; i < n; i++) buf[i] = (uint32_t)(i * i) ^ (uint32_t)n;
    uint32_t s = 0;
    for (int i = n - 1; i >= 0; i--) s = s * 3u + buf[i];
    /* Several allocas in one frame, in a bounded loop. */
    for (int k = 1; k <= 4; k++) {
        char *c = alloca((size_t)k * 16);
        for (int i = 0; i < k * 16; i++) c[i] = (char)(i + k);
        s += (uint32_t)c[k * 16 - 1];
    }
    return s;
}

/* VLA parameter: a rows x cols matrix. */
static long vla_trace_sum(int rows, int cols, int m[rows][cols]) {
    long s = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) s += (i == j % rows) ? m[i][j] * 2 : m[i][j];
    return s;
}

/* VLA locals: one per loop iteration (the stack must be reclaimed each time). */
static long vla_loop(int n) {
    long total = 0;
    for (int k = 1; k <= n; k++) {
        int tmp[k][k + 1]; /* 2-D VLA */
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= k; j++) tmp[i][j] = i * 10 + j;
        total += vla_trace_sum(k, k + 1, tmp) + (long)sizeof tmp;
    }
    return total;
}

/* Dense switch over 0..23: a jump table. Hot: called 24000 times. */
static int dense_op(int op, int a, int b) {
    switch (op) {
    case 0: return a + b;   case 1: return a - b;   case 2: return a * b;      case 3: return a & b;
    case 4: return a | b;   case 5: return a ^ b;
    case 6: return (int)((unsigned)a << (b & 7));   case 7: return a >> (b & 7);
    case 8: return b ? a / b : 0; case 9: return b ? a % b : 0; case 10: return -a; case 11: return ~b;
    case 12: return a > b;  case 13: return a < b;  case 14: return a == b;    case 15: return a != b;
    case 16: return a > b ? a : b; case 17: return a < b ? a : b; case 18: return a * 3 + b;
    case 19: return (a + b) / 2;   case 20: return a * a - b;     case 21: return b * b - a;
    case 22: return (a ^ b) & 0xff; case 23: return a + b * 7;
    default: return 0;
    }
}

/* Sparse switch: compiled to comparisons / binary search. */
static int sparse(int code) {
    switch (code) {
    case -1000000: return 1; case -5: return 2; case 0: return 3; case 7: return 4;
    case 100: return 5; case 1000: return 6; case 4096: return 7; case 65536: return 8;
    case 1000000: return 9; case 2147483647: return 10;
    default: return -1;
    }
}

/* Intentional fallthrough: sums k + (k-1) + ... + 1 for k = n % 6. */
static int fall(int n) {
    int r = 0;
    switch (n % 6) {
    case 5: r += 5; __attribute__((fallthrough));
    case 4: r += 4; __attribute__((fallthrough));
    case 3: r += 3; __attribute__((fallthrough));
    case 2: r += 2; __attribute__((fallthrough));
    case 1: r += 1; break;
    default: r = -1;
    }
    return r;
}

/* Duff's device: a switch jumping into the middle of a do-while loop (count > 0). */
static void duff_copy(int *to, const int *from, int count) {
    int n = (count + 7) / 8;
    switch (count % 8) {
    case 0: do { *to++ = *from++; __attribute__((fallthrough));
    case 7:      *to++ = *from++; __attribute__((fallthrough));
    case 6:      *to++ = *from++; __attribute__((fallthrough));
    case 5:      *to++ = *from++; __attribute__((fallthrough));
    case 4:      *to++ = *from++; __attribute__((fallthrough));
    case 3:      *to++ = *from++; __attribute__((fallthrough));
    case 2:      *to++ = *from++; __attribute__((fallthrough));
    case 1:      *to++ = *from++;
            } while (--n > 0);
    }
}

int main(void) {
    uint32_t as = 0;
    for (int i = 0; i < 3000; i++) as = as * 7u + alloca_sum(1 + i % 64);
    printf("alloca: %u\n", as);
    printf("vla loop: %ld\n", vla_loop(40));

    long ds = 0;
    for (int i = 0; i < 24000; i++) ds += dense_op(i % 24, i % 1000 - 500, i % 37 - 18);
    printf("dense switch: %ld, samples %d %d %d\n", ds, dense_op(8, -7, 2), dense_op(7, -64, 3),
           dense_op(99, 1, 1));

    static const int codes[] = {-1000000, -5, 0, 7, 100, 1000, 4096, 65536, 1000000, 2147483647, 3, -1};
    int sp = 0;
    for (int r = 0; r < 1000; r++)
        for (int i = 0; i < 12; i++) sp += sparse(r % 3 == 0 ? codes[i] : codes[i] - 1);
    printf("sparse switch: %d\n", sp);

    int fs = 0;
    for (int i = 0; i < 6000; i++) fs += fall(i);
    printf("fallthrough: %d, fall(11)=%d fall(12)=%d\n", fs, fall(11), fall(12));

    int src[100], dst[100];
    unsigned long cs = 0;
    for (int i = 0; i < 100; i++) src[i] = i * 3 + 1;
    for (int count = 1; count <= 100; count++) {
        for (int i = 0; i < 100; i++) dst[i] = -1;
        duff_copy(dst, src, count);
        for (int i = 0; i < 100; i++) cs = (cs * 3u + (unsigned)dst[i]) % 1000000007u;
    }
    printf("duff: %lu\n", cs);
    printf("checksum: %lu\n", (unsigned long)as + (unsigned long)ds + (unsigned long)sp + cs);
    return 0;
}
