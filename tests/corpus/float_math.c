// corpus: floating point bit-exactness: libm calls, a*b+c hot loops (llvm.fmuladd must NOT be fused), float, long double
#include <float.h>
#include <math.h>
#include <stdio.h>

/* volatile: keeps the inputs opaque so the optimizer cannot constant-fold (and maybe fuse) them. */
static volatile double seed = 0.7;
static volatile double one_plus = 1.0 + 0x1p-30, one_minus = 1.0 - 0x1p-30, minus_one = -1.0;

/* Horner evaluation: acc * x + c[i] becomes llvm.fmuladd; fusing it changes the low bits. */
static double horner(const double *c, int n, double x) {
    double acc = 0.0;
    for (int i = 0; i < n; i++) acc = acc * x + c[i];
    return acc;
}
static double dot(const double *a, const double *b, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
static float dotf(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
/* Kahan compensated sum: only correct if not reassociated. */
static double kahan(const double *a, int n) {
    double s = 0.0, c = 0.0;
    for (int i = 0; i < n; i++) {
        double y = a[i] - c, t = s + y;
        c = (t - s) - y;
        s = t;
    }
    return s;
}
static double lerp(double a, double b, double t) { return a + t * (b - a); }
static double newton_sqrt(double v) {
    double x = v > 1.0 ? v : 1.0;
    for (int i = 0; i < 40; i++) x = 0.5 * (x + v / x);
    return x;
}

int main(void) {
    const double x0 = seed;
    /* Direct fusion detector: unfused gives exactly 0, an FMA gives -2^-60. */
    double a = one_plus, b = one_minus, c = minus_one;
    printf("a*b+c = %.17g (must be 0: no FMA contraction)\n", a * b + c);

    /* Hot: Taylor polynomial of exp evaluated 5000 times. */
    double coef[16];
    double fact = 1.0;
    for (int i = 0; i < 16; i++) { coef[15 - i] = 1.0 / fact; fact *= (double)(i + 1); }
    double hsum = 0.0, maxerr = 0.0;
    for (int i = 0; i < 5000; i++) {
        double x = x0 * (double)(i - 2500) / 1250.0;
        double p = horner(coef, 16, x);
        hsum += p;
        double err = fabs(p - exp(x));
        if (err > maxerr) maxerr = err;
    }
    printf("horner exp sum %.17g, max err vs exp %.17g\n", hsum, maxerr);

    /* Hot: dot products, Kahan sums and lerps on generated data. */
    double va[256], vb[256];
    float fa[256], fb[256];
    for (int i = 0; i < 256; i++) {
        va[i] = sin(x0 * i) * 1e3;
        vb[i] = cos(x0 * i + 0.25) / 3.0;
        fa[i] = (float)va[i];
        fb[i] = (float)vb[i];
    }
    double dsum = 0.0, ksum = 0.0, lsum = 0.0;
    float fsum = 0.0f;
    for (int r = 0; r < 200; r++) {
        va[r] += 1e-7 * r;
        dsum += dot(va, vb, 256);
        ksum += kahan(va, 256);
        fsum += dotf(fa, fb, 256) * 1e-3f;
        lsum = lerp(lsum, va[r], 0.125);
    }
    printf("dot %.17g kahan %.17g lerp %.17g\n", dsum, ksum, lsum);
    printf("dotf %.9g (float)\n", (double)fsum);

    /* libm functions on a few points. */
    double lsum2 = 0.0;
    for (int i = 1; i <= 3000; i++) {
        double x = x0 * i / 300.0;
        lsum2 += sin(x) + cos(x) + exp(-x) + log(x) + sqrt(x) + pow(x, 1.5) + atan2(x, 1.0 - x) +
                 cbrt(x) + tanh(x) + log1p(x) + expm1(-x) + hypot(x, 2.0);
    }
    printf("libm sum %.17g\n", lsum2);
    for (int i = 1; i <= 3; i++) {
        double x = x0 * i;
        printf("x=%.17g sin %.17g cos %.17g exp %.17g log %.17g pow %.17g\n", x, sin(x), cos(x),
               exp(x), log(x), pow(x, x));
        printf("  hex: sqrt %a newton %a fmod %a\n", sqrt(x * 10), newton_sqrt(x * 10), fmod(x * 100, 3.0));
    }

    /* float math */
    float f = (float)x0, facc = 0.0f;
    for (int i = 0; i < 4000; i++) {
        f = f * 1.0001f + 0.5f / (float)(i + 1);
        facc += sinf(f) * sqrtf(f);
    }
    printf("float: f %.9g facc %.9g expf %.9g powf %.9g\n", (double)f, (double)facc,
           (double)expf(f / 16.0f), (double)powf(f, 0.3f));

    /* long double (x87 80-bit) */
    long double ls = 0.0L, lprod = 1.0L;
    for (int k = 1; k <= 3000; k++) {
        ls += 1.0L / ((long double)k * k);
        lprod *= 1.0L + (long double)x0 / (k * 1000.0L);
    }
    printf("long double: zeta2 %.21Lg prod %.21Lg\n", ls, lprod);
    printf("long double: sqrtl(2) %La, seed*3/7 %.21Lg\n", sqrtl(2.0L), (long double)x0 * 3.0L / 7.0L);

    /* conversions, rounding and special values (NaN sign is never printed) */
    double big = x0 * 1e15;
    printf("conv: %lld %d %ld %.9g\n", (long long)big, (int)(-x0 * 10.0), lrint(x0 * 1e6 + 0.5),
           (double)(float)x0);
    printf("round: %g %g %g %g %g %g\n", floor(-x0), ceil(-x0), round(2.5 * x0 / 0.7), trunc(-2.5 * x0 / 0.7),
           nearbyint(2.5 * x0 / 0.7), remainder(x0 * 10, 3.0));
    double zero = x0 - seed, inf = 1.0 / zero;
    printf("special: inf=%g -inf=%g -0=%g isnan(0/0)=%d subnormal=%a nextafter=%a\n", inf, -inf, -zero,
           isnan(zero / zero), DBL_MIN / 4 * x0, nextafter(x0, 1.0));
    printf("checksum: %a\n", hsum + dsum + ksum + lsum2 + (double)facc + (double)ls);
    return 0;
}
