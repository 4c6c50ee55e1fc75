// corpus: functions with calling conventions that pass arguments in xmm8-15 (regcall), expect registers kept (preserve_most) or keep rdi, rsi and xmm6-15 for the caller (ms_abi), called directly and through pointers while their tiers change
#include <stdio.h>

__attribute__((regcall, noinline)) static double many(double a, double b, double c, double d, double e, double f,
                                                      double g, double h, double i, double j, double k, double l,
                                                      double m, double n, double o, double p) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j + 11 * k + 12 * l + 13 * m
         + 14 * n + 15 * o + 16 * p;
}

__attribute__((preserve_most, noinline)) static long mixed(long x, long y) { return x * 31 + y; }

__attribute__((ms_abi, noinline)) static double win64(double a, double b, double c, double d, long e, long f, double g) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g;
}

typedef __attribute__((ms_abi)) double (*win64_fn)(double, double, double, double, long, long, double);
typedef __attribute__((regcall)) double (*many_fn)(double, double, double, double, double, double, double, double,
                                                   double, double, double, double, double, double, double, double);

int main(void) {
    many_fn volatile f = many;
    win64_fn volatile w = win64;
    double s = 0;
    long t = 0;
    for (int r = 0; r < 20000; r++) {
        double x = r * 0.5;
        s += many(x, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, x);
        s += f(1, x, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, x, 15);
        t = mixed(t & 0xffff, r);
        s += win64(x, 1, 2, 3, r, 5, 0.5) + w(1, x, 2, 3, 4, r, 0.25);
    }
    printf("sum %.3f\nmixed %ld\n", s, t);
    printf("checksum: %ld\n", (long)s ^ t);
    return 0;
}
