// bench: fib — the seed experiment's naive doubly-recursive fibonacci(30) (= 832040), called
//        repeatedly. Measures call/return overhead and how quickly a tiered JIT reaches peak code.
// sizes: short = 12 calls, medium = 130 calls, long = 800 calls (natively ~2.9 ms per call with
//        clang-19 -O2, ~1.6 ms with gcc -O2)
// curve: one stderr line `iter <k> <nanoseconds> <end, CLOCK_MONOTONIC ns>` per fibonacci(30) call
// args: short|medium|long
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Exactly the seed's function. */
int fibonacci(int n) {
    if (n <= 1) return n;
    return fibonacci(n - 1) + fibonacci(n - 2);
}

/* volatile: the argument is re-read every iteration, so no build can hoist or fold the calls. */
static volatile int fib_arg = 30;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: fib [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int calls_for[3] = {12, 130, 800};
    int calls = calls_for[size_arg(argc, argv)];
    unsigned long long checksum = 0;
    int n = 0, result = 0;

    for (int k = 0; k < calls; k++) {
        n = fib_arg;
        long long t0 = now_ns();
        result = fibonacci(n);
        long long t1 = now_ns();
        fprintf(stderr, "iter %d %lld %lld\n", k, t1 - t0, t1); /* duration, end on CLOCK_MONOTONIC */
        if (result != 832040) {
            printf("fibonacci(%d) = %d, expected 832040\n", n, result);
            return 1;
        }
        checksum = checksum * 1000003ULL + (unsigned long long)result + (unsigned long long)k;
    }
    printf("fibonacci(%d) = %d, %d calls\n", n, result, calls);
    printf("checksum: %llu\n", checksum);
    return 0;
}
