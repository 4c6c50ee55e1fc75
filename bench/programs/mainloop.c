// bench: mainloop — all the work sits in one long-running loop directly in main, with no hot
//        callee: an LCG-driven state machine, a histogram, a ring buffer, a bounded Collatz walk,
//        a small insertion into a sorted window and a fixed-point filter, all inlined by hand.
//        A JIT that only switches tiers at function entry never gets to optimize this loop
//        (it needs on-stack replacement).
// sizes: short = 1,000,000 iterations, medium = 11,000,000, long = 80,000,000
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    static const uint32_t iters_for[3] = {1000000, 11000000, 80000000};
    const char *size = argc > 1 ? argv[1] : "short";
    int which = strcmp(size, "short") == 0 ? 0 : strcmp(size, "medium") == 0 ? 1 : strcmp(size, "long") == 0 ? 2 : -1;
    if (which < 0) {
        fprintf(stderr, "usage: mainloop [short|medium|long]\n");
        return 2;
    }
    uint32_t iters = iters_for[which];

    uint32_t hist[256] = {0}, ring[64] = {0}, window[16] = {0};
    uint64_t x = 0x0ddc0ffeebadf00dULL, acc = 0, collatz_steps = 0;
    int64_t filt = 0; /* fixed point, 16 fractional bits */
    int state = 0, window_len = 0;
    uint32_t transitions = 0;

    for (uint32_t it = 0; it < iters; it++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t v = (uint32_t)(x >> 32);

        /* a four-state machine driven by the low bits */
        switch (state) {
        case 0: if ((v & 7) == 0) { state = 1; transitions++; } acc += v & 0xff; break;
        case 1: state = (v & 1) ? 2 : 0; transitions++; acc ^= (uint64_t)v << 7; break;
        case 2: if ((v & 3) == 3) { state = 3; transitions++; } acc += v >> 20; break;
        default: state = 0; transitions++; acc = acc * 31 + v; break;
        }

        hist[v >> 24]++;
        ring[it & 63] ^= v + (uint32_t)acc;

        /* bounded Collatz walk from a small start */
        uint32_t c = (v & 0x3ff) | 1;
        for (int k = 0; k < 24 && c != 1; k++) {
            c = (c & 1) ? 3 * c + 1 : c >> 1;
            collatz_steps++;
        }

        /* keep the 16 largest low-12-bit values seen recently (sorted, descending) */
        if ((it & 3) == 0) {
            uint32_t val = v & 0xfff;
            int full = window_len == 16, pos = full ? 15 : window_len++;
            if (!full || val > window[15]) {
                while (pos > 0 && window[pos - 1] < val) {
                    window[pos] = window[pos - 1];
                    pos--;
                }
                window[pos] = val;
            }
            if ((it & 4095) == 0) window_len = window_len > 4 ? window_len - 4 : 0; /* let old values age out */
        }

        /* first-order low-pass filter in fixed point: filt += (sample - filt) / 8 */
        int64_t sample = (int64_t)(v & 0xffff) << 16;
        filt += (sample - filt) / 8;
    }

    uint64_t checksum = acc ^ collatz_steps ^ (uint64_t)filt ^ transitions;
    for (int i = 0; i < 256; i++) checksum = checksum * 31 + hist[i];
    for (int i = 0; i < 64; i++) checksum = checksum * 37 + ring[i];
    for (int i = 0; i < window_len; i++) checksum = checksum * 41 + window[i];
    printf("iterations = %u, transitions = %u, collatz steps = %llu, filter = %lld\n", iters, transitions,
           (unsigned long long)collatz_steps, (long long)filt);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
