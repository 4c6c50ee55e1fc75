// corpus: hot loops inside main itself (no hot callee): 64x64 integer and double matrix multiplies
#include <stdint.h>
#include <stdio.h>

#define N 64

static int32_t A[N][N], B[N][N], C[N][N];
static double DA[N][N], DB[N][N], DC[N][N];

int main(void) {
    uint32_t x = 99u;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            x = x * 1664525u + 1013904223u;
            A[i][j] = (int32_t)(x >> 24) - 128; /* -128..127 */
            x = x * 1664525u + 1013904223u;
            B[i][j] = (int32_t)(x >> 25) - 64;  /* -64..63 */
            DA[i][j] = (double)A[i][j] / 64.0 + 0.001 * i;
            DB[i][j] = (double)B[i][j] / 32.0 - 0.002 * j;
        }

    /* Integer: C = A*B, then A = C reduced back into a small range, 4 times. */
    uint64_t ichk = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int32_t s = 0;
                for (int k = 0; k < N; k++) s += A[i][k] * B[k][j]; /* |s| <= 64*128*64: no overflow */
                C[i][j] = s;
            }
        int64_t trace = 0;
        for (int i = 0; i < N; i++) trace += C[i][i];
        printf("int rep %d: trace %lld C[0][0] %d C[63][63] %d\n", rep, (long long)trace, C[0][0], C[N - 1][N - 1]);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                ichk = ichk * 31u + (uint32_t)C[i][j];
                A[i][j] = C[i][j] % 251 / 2; /* keeps |A| <= 125 */
            }
    }

    /* Double: DC = DA*DB (the inner a*b+s is llvm.fmuladd and must not be fused), normalize, 3 times. */
    double dchk = 0.0;
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double s = 0.0;
                for (int k = 0; k < N; k++) s += DA[i][k] * DB[k][j];
                DC[i][j] = s;
            }
        double maxabs = 0.0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double v = DC[i][j] < 0 ? -DC[i][j] : DC[i][j];
                if (v > maxabs) maxabs = v;
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) DA[i][j] = DC[i][j] / maxabs;
        printf("double rep %d: max |C| %.17g C[1][2] %.17g\n", rep, maxabs, DC[1][2]);
        dchk += maxabs + DC[N - 1][0];
    }

    /* Transpose in place and compare against original (symmetry check of A*A^T). */
    int symmetric = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int k = 0; k < N; k++) s += A[i][k] * A[j][k];
            C[i][j] = s;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++)
            if (C[i][j] != C[j][i]) symmetric = 0;
    printf("A*A^T symmetric: %d, diag[5] %d\n", symmetric, C[5][5]);
    printf("checksum: %llu %.17g\n", (unsigned long long)ichk, dchk);
    return 0;
}
