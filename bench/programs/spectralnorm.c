// bench: spectralnorm — the Benchmarks Game spectral-norm: power iteration (10 rounds of A^T*A*v)
//        on the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), truncated to n x n. Double
//        division and multiply-add inner loops, O(n^2) per round.
// sizes: short n = 620, medium n = 2500, long n = 6500
// args: short|medium|long
#ifdef __clang__ /* no a*b+c fusion into FMA, even with -march=native: results stay bit-identical */
#pragma STDC FP_CONTRACT OFF
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double eval_A(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_Av(int n, const double *v, double *av) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++) s += eval_A(i, j) * v[j];
        av[i] = s;
    }
}

static void mul_Atv(int n, const double *v, double *atv) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++) s += eval_A(j, i) * v[j];
        atv[i] = s;
    }
}

static void mul_AtAv(int n, const double *v, double *out, double *tmp) {
    mul_Av(n, v, tmp);
    mul_Atv(n, tmp, out);
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: spectralnorm [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int n_for[3] = {620, 2500, 6500};
    int n = n_for[size_arg(argc, argv)];
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    if (!u || !v || !tmp) return 1;

    for (int i = 0; i < n; i++) u[i] = 1.0;
    for (int i = 0; i < 10; i++) {
        mul_AtAv(n, u, v, tmp);
        mul_AtAv(n, v, u, tmp);
    }
    double vBv = 0.0, vv = 0.0;
    for (int i = 0; i < n; i++) {
        vBv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    double norm = sqrt(vBv / vv);
    printf("n = %d\n", n);
    printf("checksum: %.9f\n", norm);
    free(u);
    free(v);
    free(tmp);
    return 0;
}
