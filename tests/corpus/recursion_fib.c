// corpus: plain recursion: naive fibonacci, small Ackermann, recursive gcd, binomial (Pascal) and powmod
#include <stdio.h>

static unsigned long calls; /* total number of recursive calls made */

/* Naive doubly-recursive Fibonacci: fib(n) makes 2*fib(n+1)-1 calls. */
static long fib(int n) {
    calls++;
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Ackermann function, only used with small arguments (m <= 3, n <= 4). */
static unsigned ack(unsigned m, unsigned n) {
    calls++;
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

/* Euclid's algorithm, recursive (tail-call) form. */
static unsigned gcd(unsigned a, unsigned b) {
    calls++;
    return b == 0 ? a : gcd(b, a % b);
}

/* Binomial coefficient via Pascal's rule (exponential work, small n only). */
static unsigned long binom(int n, int k) {
    calls++;
    if (k == 0 || k == n) return 1;
    return binom(n - 1, k - 1) + binom(n - 1, k);
}

/* Recursive exponentiation by squaring modulo m (m < 2^32, so no overflow). */
static unsigned long powmod(unsigned long b, unsigned e, unsigned long m) {
    calls++;
    if (e == 0) return 1 % m;
    unsigned long h = powmod(b, e / 2, m);
    h = h * h % m;
    return (e & 1) ? h * (b % m) % m : h;
}

int main(void) {
    unsigned long checksum = 0;

    for (int n = 0; n <= 24; n += 4) {
        long f = fib(n);
        printf("fib(%d) = %ld\n", n, f);
        checksum = checksum * 31 + (unsigned long)f;
    }
    printf("calls after fib: %lu\n", calls);

    for (unsigned m = 0; m <= 3; m++) {
        for (unsigned n = 0; n <= 4; n += 2) {
            unsigned a = ack(m, n);
            printf("ack(%u,%u) = %u\n", m, n, a);
            checksum = checksum * 31 + a;
        }
    }

    /* gcd of many LCG-generated pairs: gcd becomes hot. */
    unsigned x = 2463534242u, gsum = 0;
    for (int i = 0; i < 3000; i++) {
        x = x * 1664525u + 1013904223u;
        unsigned a = x >> 8;
        x = x * 1664525u + 1013904223u;
        unsigned b = (x >> 12) * 6u;
        gsum += gcd(a, b);
    }
    printf("sum of gcds = %u\n", gsum);
    checksum = checksum * 31 + gsum;

    for (int n = 10; n <= 18; n += 4) {
        unsigned long c = binom(n, n / 2);
        printf("binom(%d,%d) = %lu\n", n, n / 2, c);
        checksum = checksum * 31 + c;
    }

    unsigned long psum = 0;
    for (unsigned e = 1; e <= 2000; e++)
        psum += powmod(3 + e % 7, e * 977u, 1000000007ul);
    printf("sum of powmods = %lu\n", psum);
    checksum = checksum * 31 + psum;

    printf("total calls: %lu\n", calls);
    printf("checksum: %lu\n", checksum ^ calls);
    return 0;
}
