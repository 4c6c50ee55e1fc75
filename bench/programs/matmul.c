// bench: matmul — dense double-precision matrix multiply, C = A*B with N = 240, done twice per round:
//        a naive i-j-k triple loop (strided column walk of B) and a cache-blocked i-k-j version.
//        Entries are small multiples of 1/1024, so every product and sum is exact: both versions
//        must agree bit for bit (checked), whatever the build does with the arithmetic.
// sizes: short = 2 rounds, medium = 24 rounds, long = 150 rounds (each round changes a row of A
//        and a column of B, so no round repeats the previous one)
// args: short|medium|long
#ifdef __clang__ /* no a*b+c fusion into FMA, even with -march=native: results stay bit-identical */
#pragma STDC FP_CONTRACT OFF
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 240
#define BS 48 /* block edge; divides N */

static double A[N][N], B[N][N], C1[N][N], C2[N][N];

static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}
/* A value k/1024 with |k| <= 1000: products are multiples of 2^-20, sums stay exact. */
static double small_value(void) { return (double)((int)(rnd() % 2001u) - 1000) / 1024.0; }

static void matmul_naive(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++) s += A[i][k] * B[k][j];
            C1[i][j] = s;
        }
}

static void matmul_blocked(void) {
    memset(C2, 0, sizeof C2);
    for (int ii = 0; ii < N; ii += BS)
        for (int kk = 0; kk < N; kk += BS)
            for (int jj = 0; jj < N; jj += BS)
                for (int i = ii; i < ii + BS; i++)
                    for (int k = kk; k < kk + BS; k++) {
                        double a = A[i][k];
                        for (int j = jj; j < jj + BS; j++) C2[i][j] += a * B[k][j];
                    }
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: matmul [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int rounds_for[3] = {2, 24, 150};
    int rounds = rounds_for[size_arg(argc, argv)];
    uint64_t checksum = 0;
    double trace_sum = 0.0;

    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = small_value();
            B[i][j] = small_value();
        }

    for (int r = 0; r < rounds; r++) {
        int row = (int)(rnd() % N), col = (int)(rnd() % N);
        for (int t = 0; t < N; t++) {
            A[row][t] = small_value();
            B[t][col] = small_value();
        }
        matmul_naive();
        matmul_blocked();
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                if (C1[i][j] != C2[i][j]) {
                    printf("mismatch in round %d at (%d,%d)\n", r, i, j);
                    return 1;
                }
                /* exact: every entry is an integer multiple of 2^-20 well inside 2^53 */
                int64_t fixed = (int64_t)(C1[i][j] * 1048576.0);
                checksum = checksum * 31u + (uint64_t)fixed;
            }
        for (int i = 0; i < N; i++) trace_sum += C1[i][i];
    }
    printf("N = %d, rounds = %d, trace sum = %.6f\n", N, rounds, trace_sum);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
