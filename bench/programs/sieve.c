// bench: sieve — sieve of Eratosthenes over odd numbers up to ~2,000,000 (a 1 MB byte array),
//        repeated; the limit shifts a little every round so no two rounds are identical.
//        Byte stores with large strides, then a linear counting scan.
// sizes: short = 10 rounds, medium = 125 rounds, long = 800 rounds
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE_LIMIT 2000000

/* Sieve odd numbers 3..limit; composite[i] describes 2*i+1. Returns the prime count (2 included)
 * and stores the largest prime <= limit in *largest. */
static int sieve(int limit, uint8_t *composite, int *largest) {
    int half = limit / 2 + 1;
    memset(composite, 0, (size_t)half);
    composite[0] = 1; /* 1 is not prime */
    for (int i = 1; (2 * i + 1) * (2 * i + 1) <= limit; i++) {
        if (composite[i]) continue;
        int p = 2 * i + 1;
        for (int j = (p * p) / 2; j < half; j += p) composite[j] = 1;
    }
    int count = limit >= 2 ? 1 : 0;
    *largest = 2;
    for (int i = 1; i < half; i++) {
        if (!composite[i] && 2 * i + 1 <= limit) {
            count++;
            *largest = 2 * i + 1;
        }
    }
    return count;
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: sieve [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int rounds_for[3] = {10, 125, 800};
    int rounds = rounds_for[size_arg(argc, argv)];
    uint8_t *composite = malloc(BASE_LIMIT / 2 + 1024);
    if (!composite) return 1;

    uint64_t checksum = 0;
    int count = 0, largest = 0;
    for (int r = 0; r < rounds; r++) {
        int limit = BASE_LIMIT - (r % 64) * 31;
        count = sieve(limit, composite, &largest);
        checksum = checksum * 1000003ULL + (uint64_t)count * 131ULL + (uint64_t)largest;
    }
    if (sieve(1000000, composite, &largest) != 78498) { /* pi(10^6) */
        printf("sieve self-check failed\n");
        return 1;
    }
    count = sieve(BASE_LIMIT, composite, &largest);
    printf("rounds = %d, primes up to %d = %d, largest = %d\n", rounds, BASE_LIMIT, count, largest);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    free(composite);
    return 0;
}
