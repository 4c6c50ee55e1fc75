// bench: mainmatmul — dense int32 matrix multiply C = A*B (N = 256, i-k-j order), with every loop
//        written directly in main and no hot callee: initialization, the triple loop, a per-round
//        verification and the update of A all sit in main's body. A JIT that only switches tiers at
//        function entry never optimizes this (it needs on-stack replacement).
//        Entries of A and B are in [-15, 15], so no sum can overflow. Each round checks C against
//        the row-sum identity sum_j C[i][j] = sum_k A[i][k] * rowsum(B)[k] and the column-sum
//        identity sum_i C[i][j] = sum_k colsum(A)[k] * B[k][j], both computed without C, then
//        folds C into the checksum and rebuilds A from C, so no round repeats the previous one.
// sizes: short = 6 rounds, medium = 60 rounds, long = 600 rounds
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 256

static int32_t A[N][N], B[N][N], C[N][N];
static int64_t browsum[N], acolsum[N];

int main(int argc, char **argv) {
    static const int rounds_for[3] = {6, 60, 600};
    const char *size = argc > 1 ? argv[1] : "short";
    int which = strcmp(size, "short") == 0 ? 0 : strcmp(size, "medium") == 0 ? 1 : strcmp(size, "long") == 0 ? 2 : -1;
    if (which < 0) {
        fprintf(stderr, "usage: mainmatmul [short|medium|long]\n");
        return 2;
    }
    int rounds = rounds_for[which];

    /* initialization from a fixed-seed LCG: entries in [-15, 15] */
    uint64_t x = 0x853c49e6748fea9bULL;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            A[i][j] = (int32_t)((x >> 33) % 31) - 15;
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            B[i][j] = (int32_t)((x >> 33) % 31) - 15;
        }
    /* B never changes: its row sums are computed once */
    for (int k = 0; k < N; k++) {
        int64_t s = 0;
        for (int j = 0; j < N; j++) s += B[k][j];
        browsum[k] = s;
    }

    uint64_t checksum = 0;
    int64_t trace = 0;
    for (int r = 0; r < rounds; r++) {
        /* C = A * B, i-k-j order */
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) C[i][j] = 0;
            for (int k = 0; k < N; k++) {
                int32_t a = A[i][k];
                for (int j = 0; j < N; j++) C[i][j] += a * B[k][j];
            }
        }

        /* verification: row sums of C against A * rowsum(B) */
        for (int i = 0; i < N; i++) {
            int64_t lhs = 0, rhs = 0;
            for (int j = 0; j < N; j++) lhs += C[i][j];
            for (int k = 0; k < N; k++) rhs += (int64_t)A[i][k] * browsum[k];
            if (lhs != rhs) {
                printf("mainmatmul: row-sum check failed in round %d, row %d\n", r, i);
                return 1;
            }
        }
        /* verification: column sums of C against colsum(A) * B */
        for (int k = 0; k < N; k++) acolsum[k] = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) acolsum[k] += A[i][k];
        for (int j = 0; j < N; j++) {
            int64_t lhs = 0, rhs = 0;
            for (int i = 0; i < N; i++) lhs += C[i][j];
            for (int k = 0; k < N; k++) rhs += acolsum[k] * B[k][j];
            if (lhs != rhs) {
                printf("mainmatmul: column-sum check failed in round %d, column %d\n", r, j);
                return 1;
            }
        }

        /* fold C into the checksum, then rebuild A from C (entries back into [-15, 15]) */
        trace = 0;
        for (int i = 0; i < N; i++) {
            trace += C[i][i];
            for (int j = 0; j < N; j++) {
                checksum = checksum * 1000003ULL + (uint32_t)C[i][j];
                A[i][j] = ((C[i][j] % 31) + 31) % 31 - 15;
            }
        }
        A[r % N][(r * 7) % N] = 15; /* keep the sequence from settling into a cycle */
    }

    printf("n = %d, rounds = %d, last trace = %lld\n", N, rounds, (long long)trace);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
