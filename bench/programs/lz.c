// bench: lz — an LZ77 compressor (4-byte hash chains, 64 KiB window, greedy parse, chain depth 24)
//        and its decompressor, round-tripping 512 KiB of generated text-like data per round;
//        the round trip is verified byte for byte. Byte loads, hashing, match-length loops, memcpy.
// sizes: short = 3 rounds, medium = 30 rounds, long = 190 rounds (each round mutates the input)
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_SIZE (512 * 1024)
#define WINDOW 65536 /* offsets 1..65535 fit in two bytes */
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_MATCH (MIN_MATCH + 127)
#define MAX_CHAIN 24

/* Stream format: 0x00-0x7f = literal run of (b+1) bytes that follow;
 * 0x80-0xff = match of length (b-0x80+MIN_MATCH), then a 16-bit little-endian offset. */

static uint64_t rng_state = 0xda3e39cb94b95bdbULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static uint32_t hash4(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static size_t flush_literals(const uint8_t *src, size_t start, size_t end, uint8_t *out, size_t o) {
    while (start < end) {
        size_t run = end - start > 128 ? 128 : end - start;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, src + start, run);
        o += run;
        start += run;
    }
    return o;
}

static size_t compress(const uint8_t *src, size_t n, uint8_t *out, int32_t *head, int32_t *prev) {
    for (size_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    size_t o = 0, lit_start = 0, i = 0;
    while (i + MIN_MATCH <= n) {
        uint32_t h = hash4(src + i);
        size_t best_len = 0, best_off = 0;
        int chain = MAX_CHAIN;
        for (int32_t cand = head[h]; cand >= 0 && i - (size_t)cand < WINDOW && chain-- > 0;
             cand = prev[cand & (WINDOW - 1)]) {
            size_t limit = n - i < MAX_MATCH ? n - i : MAX_MATCH, len = 0;
            while (len < limit && src[cand + len] == src[i + len]) len++;
            if (len > best_len) {
                best_len = len;
                best_off = i - (size_t)cand;
                if (len == limit) break;
            }
        }
        size_t advance = best_len >= MIN_MATCH ? best_len : 1;
        if (best_len >= MIN_MATCH) {
            o = flush_literals(src, lit_start, i, out, o);
            out[o++] = (uint8_t)(0x80 + best_len - MIN_MATCH);
            out[o++] = (uint8_t)(best_off & 0xff);
            out[o++] = (uint8_t)(best_off >> 8);
            lit_start = i + best_len;
        }
        for (size_t next = i + advance; i < next; i++) { /* index every position we pass */
            if (i + MIN_MATCH > n) { i = next; break; }
            uint32_t hk = hash4(src + i);
            prev[i & (WINDOW - 1)] = head[hk];
            head[hk] = (int32_t)i;
        }
    }
    return flush_literals(src, lit_start, n, out, o);
}

/* Returns the decompressed size, or (size_t)-1 on a malformed stream. */
static size_t decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t b = in[i++];
        if (b < 0x80) {
            size_t run = (size_t)b + 1;
            if (i + run > n || o + run > cap) return (size_t)-1;
            memcpy(out + o, in + i, run);
            i += run;
            o += run;
        } else {
            if (i + 2 > n) return (size_t)-1;
            size_t len = (size_t)b - 0x80 + MIN_MATCH, off = (size_t)in[i] | (size_t)in[i + 1] << 8;
            i += 2;
            if (off == 0 || off > o || o + len > cap) return (size_t)-1;
            for (size_t k = 0; k < len; k++, o++) out[o] = out[o - off]; /* may overlap */
        }
    }
    return o;
}

static void generate(uint8_t *buf, size_t n) {
    static const char *words[] = {"the", "tier", "flow", "compile", "function", "hot", "counter", "loop",
                                  "inline", "register", "value", "branch", "call", "return", "stack", "heap",
                                  "optimize", "native", "code", "swap", "install", "worker", "queue", "thread"};
    size_t o = 0;
    while (o < n) {
        uint32_t r = rnd() % 100;
        if (r < 4 && o > 4096) { /* repeat an earlier stretch */
            size_t len = 16 + rnd() % 200, from = o - 1 - rnd() % (o < 60000 ? o - 1 : 60000);
            for (size_t k = 0; k < len && o < n; k++) buf[o++] = buf[from + k];
        } else if (r < 10) { /* noise */
            for (int k = 0; k < 6 && o < n; k++) buf[o++] = (uint8_t)rnd();
        } else {
            const char *w = words[rnd() % (sizeof words / sizeof *words)];
            while (*w && o < n) buf[o++] = (uint8_t)*w++;
            if (o < n) buf[o++] = (r % 9 == 0) ? '\n' : ' ';
        }
    }
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: lz [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int rounds_for[3] = {3, 30, 190};
    int rounds = rounds_for[size_arg(argc, argv)];
    size_t cap = INPUT_SIZE + INPUT_SIZE / 128 + 16;
    uint8_t *src = malloc(INPUT_SIZE), *packed = malloc(cap), *back = malloc(INPUT_SIZE);
    int32_t *head = malloc((1u << HASH_BITS) * sizeof *head), *prev = malloc(WINDOW * sizeof *prev);
    if (!src || !packed || !back || !head || !prev) return 1;
    generate(src, INPUT_SIZE);

    uint64_t checksum = 0, total_packed = 0;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 64; k++) { /* mutate a few bytes */
            size_t at = rnd() % INPUT_SIZE;
            src[at] = (uint8_t)rnd();
        }
        size_t plen = compress(src, INPUT_SIZE, packed, head, prev);
        size_t ulen = decompress(packed, plen, back, INPUT_SIZE);
        if (ulen != INPUT_SIZE || memcmp(src, back, INPUT_SIZE) != 0) {
            printf("round %d: round trip failed\n", r);
            return 1;
        }
        total_packed += plen;
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < plen; i++) h = (h ^ packed[i]) * 0x100000001b3ULL;
        checksum = checksum * 31u + (h ^ plen);
    }
    printf("rounds = %d, %d -> %llu bytes per round on average\n", rounds, INPUT_SIZE,
           (unsigned long long)(total_packed / (uint64_t)rounds));
    printf("checksum: %llu\n", (unsigned long long)checksum);
    free(src); free(packed); free(back); free(head); free(prev);
    return 0;
}
