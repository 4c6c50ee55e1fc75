// bench: mainsieve — a byte-per-number sieve of Eratosthenes up to n, followed by a scan that
//        gathers prime-gap and twin-prime statistics (count, sum, twin pairs, largest gap and where
//        it starts, a histogram of gaps), repeated for several rounds. Every loop is written
//        directly in main and there is no hot callee, so a JIT that only switches tiers at function
//        entry never optimizes it (it needs on-stack replacement).
//        Each round checks its prime count, twin-pair count and largest gap against the known values
//        for n (pi(10^6) = 78498, pi(10^7) = 664579; 8169 / 58980 twin pairs; largest gaps 114 after
//        492113 and 154 after 4652353).
// sizes: short = n 10^6, 10 rounds; medium = n 10^7, 6 rounds; long = n 10^7, 60 rounds
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAP_BUCKETS 128

int main(int argc, char **argv) {
    static const int n_for[3] = {1000000, 10000000, 10000000};
    static const int rounds_for[3] = {10, 6, 60};
    static const int pi_for[3] = {78498, 664579, 664579};
    static const int twins_for[3] = {8169, 58980, 58980};
    static const int maxgap_for[3] = {114, 154, 154};
    static const int maxgap_at_for[3] = {492113, 4652353, 4652353};
    const char *size = argc > 1 ? argv[1] : "short";
    int which = strcmp(size, "short") == 0 ? 0 : strcmp(size, "medium") == 0 ? 1 : strcmp(size, "long") == 0 ? 2 : -1;
    if (which < 0) {
        fprintf(stderr, "usage: mainsieve [short|medium|long]\n");
        return 2;
    }
    int n = n_for[which], rounds = rounds_for[which];

    uint8_t *is_prime = malloc((size_t)n + 1);
    if (!is_prime) return 1;
    uint32_t gap_hist[GAP_BUCKETS];

    /* each round rotates which residue class mod 30 it sums, so rounds are not identical */
    uint64_t x = 0x2545f4914f6cdd1dULL, checksum = 0;
    int count = 0, twins = 0, max_gap = 0, max_gap_at = 0;
    uint64_t prime_sum = 0, class_sum = 0;
    for (int r = 0; r < rounds; r++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int cls = (int)((x >> 33) % 30);

        /* sieve: is_prime[i] for 0 <= i <= n */
        memset(is_prime, 1, (size_t)n + 1);
        is_prime[0] = is_prime[1] = 0;
        for (int i = 2; i * i <= n; i++) {
            if (!is_prime[i]) continue;
            for (int j = i * i; j <= n; j += i) is_prime[j] = 0;
        }

        /* gap and twin-prime statistics */
        for (int g = 0; g < GAP_BUCKETS; g++) gap_hist[g] = 0;
        count = 0, twins = 0, max_gap = 0, max_gap_at = 0;
        prime_sum = 0, class_sum = 0;
        int prev = 0;
        for (int i = 2; i <= n; i++) {
            if (!is_prime[i]) continue;
            count++;
            prime_sum += (uint64_t)i;
            if (i % 30 == cls) class_sum += (uint64_t)i;
            if (prev) {
                int gap = i - prev;
                if (gap == 2) twins++;
                if (gap > max_gap) {
                    max_gap = gap;
                    max_gap_at = prev;
                }
                gap_hist[gap / 2 < GAP_BUCKETS ? gap / 2 : GAP_BUCKETS - 1]++;
            }
            prev = i;
        }

        if (count != pi_for[which] || twins != twins_for[which] || max_gap != maxgap_for[which] ||
            max_gap_at != maxgap_at_for[which]) {
            printf("mainsieve: self-check failed in round %d: pi = %d, twins = %d, max gap = %d after %d\n", r,
                   count, twins, max_gap, max_gap_at);
            return 1;
        }
        checksum = checksum * 1000003ULL + prime_sum + class_sum * 31ULL + (uint64_t)cls;
        for (int g = 0; g < GAP_BUCKETS; g++) checksum = checksum * 131ULL + gap_hist[g];
    }
    free(is_prime);

    printf("n = %d, rounds = %d: pi = %d, twin pairs = %d, max gap = %d after %d, sum = %llu\n", n, rounds, count,
           twins, max_gap, max_gap_at, (unsigned long long)prime_sum);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
