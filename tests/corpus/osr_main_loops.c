// corpus: OSR in main (no hot callee): sieve, matmul on stack arrays, scalar/struct accumulators, do-while, while(1)+break, continue, goto out of nested loops, switch in a loop
#include <stdint.h>
#include <stdio.h>

#define SIEVE_N 60000
#define MN 24 /* 24x24 int32 = 2304 bytes per matrix */

struct acc {
    int32_t lo;
    uint16_t hi;
    double avg;
};

int main(void) {
    uint64_t chk = 1469598103934665603ull; /* FNV offset; mixed in after every phase */

    /* 1. Sieve of Eratosthenes on a local array (60 KB), counted and summed. */
    unsigned char composite[SIEVE_N + 1];
    for (int i = 0; i <= SIEVE_N; i++) composite[i] = 0;
    for (int p = 2; p * p <= SIEVE_N; p++)
        if (!composite[p])
            for (int m = p * p; m <= SIEVE_N; m += p) composite[m] = 1;
    int nprimes = 0, lastprime = 0;
    uint64_t psum = 0;
    for (int i = 2; i <= SIEVE_N; i++)
        if (!composite[i]) {
            nprimes++;
            psum += (uint64_t)i;
            lastprime = i;
        }
    printf("sieve: %d primes <= %d, sum %llu, last %d\n", nprimes, SIEVE_N, (unsigned long long)psum, lastprime);
    chk = (chk ^ psum) * 1099511628211ull;

    /* 2. Integer matrix multiply on stack arrays, repeated with feedback. */
    int32_t A[MN][MN], B[MN][MN], C[MN][MN];
    uint32_t seed = 12345u;
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            seed = seed * 1664525u + 1013904223u;
            A[i][j] = (int32_t)(seed >> 25) - 64; /* -64..63 */
            seed = seed * 1664525u + 1013904223u;
            B[i][j] = (int32_t)(seed >> 26) - 32; /* -32..31 */
        }
    int64_t trace_sum = 0;
    for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                int32_t s = 0;
                for (int k = 0; k < MN; k++) s += A[i][k] * B[k][j]; /* |s| <= 24*64*32: fine */
                C[i][j] = s;
            }
        for (int i = 0; i < MN; i++) {
            trace_sum += C[i][i];
            for (int j = 0; j < MN; j++) A[i][j] = C[i][j] % 127 / 2; /* keep |A| <= 63 */
        }
    }
    printf("matmul: trace sum %lld C[0][0] %d C[%d][%d] %d\n", (long long)trace_sum, C[0][0], MN - 1, MN - 2,
           C[MN - 1][MN - 2]);
    chk = (chk ^ (uint64_t)trace_sum) * 1099511628211ull;

    /* 3. Long simulation loop with several live scalar accumulators and a struct local. */
    int32_t iacc = 7;
    uint32_t uacc = 0xfffffff0u; /* wraps almost immediately */
    uint8_t bacc = 250;
    double dacc = 0.5;
    float facc = 1.0f;
    int64_t lacc = -1;
    struct acc st = {0, 0, 0.0};
    uint32_t lcg = 777u;
    for (int it = 0; it < 40000; it++) {
        lcg = lcg * 1664525u + 1013904223u;
        uint32_t r = lcg >> 16;
        iacc = (iacc * 3 + (int32_t)(r & 0xff) - 128) % 100003;
        uacc += r * 2654435761u;
        bacc = (uint8_t)(bacc + (r & 7));
        dacc = dacc * 0.999 + (double)(r & 1023) / 1024.0;
        facc = facc * 0.5f + (float)(r & 15);
        lacc += (int64_t)(r % 9) - 4;
        st.lo += (int32_t)(r & 3) - 1;
        st.hi = (uint16_t)(st.hi + r);
        st.avg += ((double)(r & 255) - st.avg) / (double)(it + 1);
    }
    printf("sim: i %d u %u b %u l %lld d %a f %a\n", iacc, uacc, (unsigned)bacc, (long long)lacc, dacc, (double)facc);
    printf("sim struct: lo %d hi %u avg %a\n", st.lo, (unsigned)st.hi, st.avg);
    chk = (chk ^ (uint64_t)(uint32_t)iacc ^ ((uint64_t)uacc << 32)) * 1099511628211ull;
    chk = (chk ^ (uint64_t)lacc ^ st.hi ^ bacc) * 1099511628211ull;

    /* 4. do-while with a data-dependent (conditional) back-edge: Collatz chains. */
    uint64_t total_steps = 0;
    uint32_t maxlen = 0, argmax = 0;
    for (uint32_t start = 1; start <= 1500; start++) {
        uint64_t n = start;
        uint32_t len = 0;
        do {
            n = (n & 1) ? 3 * n + 1 : n / 2;
            len++;
        } while (n != 1);
        total_steps += len;
        if (len > maxlen) {
            maxlen = len;
            argmax = start;
        }
    }
    printf("collatz: steps %llu, longest %u at %u\n", (unsigned long long)total_steps, maxlen, argmax);
    chk = (chk ^ total_steps ^ argmax) * 1099511628211ull;

    /* 5. while (1) with break: run an LCG until it hits a value with a property. */
    uint32_t w = 42u;
    long wcount = 0;
    uint32_t wxor = 0;
    while (1) {
        w = w * 1103515245u + 12345u;
        wcount++;
        wxor ^= w;
        if ((w >> 8 & 0xffffu) == 0x1234u && wcount > 1000) break;
        if (wcount >= 80000) break; /* safety bound (also deterministic) */
    }
    printf("while1: count %ld w %u xor %u\n", wcount, w, wxor);
    chk = (chk ^ (uint64_t)wcount ^ wxor) * 1099511628211ull;

    /* 6. Loop with continue: skip multiples of 3 and entries that are composite. */
    uint64_t csum = 0;
    int ccount = 0;
    for (int i = 0; i < SIEVE_N; i++) {
        if (i % 3 == 0) continue;
        if (composite[i]) continue;
        if (i < 2) continue;
        csum += (uint64_t)i * (uint64_t)(ccount + 1);
        ccount++;
    }
    printf("continue: %d kept, weighted sum %llu\n", ccount, (unsigned long long)csum);
    chk = (chk ^ csum) * 1099511628211ull;

    /* 7. goto out of nested loops: find the first (i,j,k) with a property, as an early exit. */
    int fi = -1, fj = -1, fk = -1;
    long probes = 0;
    for (int i = 1; i < 100; i++)
        for (int j = i; j < 100; j++)
            for (int k = j; k < 100; k++) {
                probes++;
                /* a Pythagorean triple with i+j+k == 120 and i > 22: (24,45,51) */
                if (i * i + j * j == k * k && i + j + k == 120 && i > 22) {
                    fi = i;
                    fj = j;
                    fk = k;
                    goto found;
                }
            }
    fi = fj = fk = 0; /* not reached */
found:
    printf("goto: found (%d,%d,%d) after %ld probes\n", fi, fj, fk, probes);
    chk = (chk ^ (uint64_t)probes ^ (uint64_t)(fi * 10000 + fj * 100 + fk)) * 1099511628211ull;

    /* 8. A switch inside a loop: a tiny stack machine driven by an LCG. */
    int64_t regs[4] = {1, 2, 3, 4};
    uint32_t op_counts[8] = {0};
    uint32_t s2 = 2024u;
    for (int it = 0; it < 30000; it++) {
        s2 = s2 * 1664525u + 1013904223u;
        unsigned op = (s2 >> 28) & 7u, a = (s2 >> 20) & 3u, b = (s2 >> 16) & 3u;
        op_counts[op]++;
        switch (op) {
        case 0: regs[a] += regs[b]; break;
        case 1: regs[a] -= regs[b] / 2; break;
        case 2: regs[a] ^= (int64_t)(s2 & 0xffff); break;
        case 3: regs[a] = regs[a] % 1000003; break;
        case 4: /* fallthrough into 5 */
            regs[b] += 1;
            /* fallthrough */
        case 5: regs[a] = (regs[a] * 3) % 99991; break;
        case 6: {
            int64_t t = regs[a];
            regs[a] = regs[b];
            regs[b] = t;
            break;
        }
        default: regs[a] = -regs[a] % 65521; break;
        }
        for (int r = 0; r < 4; r++) /* keep values bounded: no overflow */
            if (regs[r] > 1000000000 || regs[r] < -1000000000) regs[r] %= 1000003;
    }
    printf("switch: regs %lld %lld %lld %lld ops", (long long)regs[0], (long long)regs[1], (long long)regs[2],
           (long long)regs[3]);
    for (int i = 0; i < 8; i++) printf(" %u", op_counts[i]);
    printf("\n");
    for (int i = 0; i < 4; i++) chk = (chk ^ (uint64_t)regs[i]) * 1099511628211ull;

    printf("checksum: %llu\n", (unsigned long long)chk);
    return 0;
}
