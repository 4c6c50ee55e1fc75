// bench: smallfuncs — 57 tiny functions: four call layers (leaves, pairs, mixers, top level),
//        plus struct-by-value helpers, pointer-updating helpers, two small recursive ones and an
//        indirect-call table. A single top-level call fans out into ~15-30 calls, so the cost is
//        almost all call overhead unless the compiler inlines. Tests inlining across many callees.
// sizes: short = 1,000,000 outer iterations, medium = 12,000,000, long = 80,000,000
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint32_t u32;

/* layer 0: leaves */
static u32 l00(u32 x) { return x * 2654435761u; }
static u32 l01(u32 x) { return x ^ (x >> 15); }
static u32 l02(u32 x) { return x + 0x9e3779b9u; }
static u32 l03(u32 x) { return (x << 7) | (x >> 25); }
static u32 l04(u32 x) { return x * 0x85ebca6bu + 1; }
static u32 l05(u32 x) { return x ^ (x << 13); }
static u32 l06(u32 x) { return ~x + (x >> 3); }
static u32 l07(u32 x) { return x - (x >> 11) * 3; }
static u32 l08(u32 x) { return (x & 0xffff) * 36969u + (x >> 16); }
static u32 l09(u32 x) { return x % 1000003u; }
static u32 l10(u32 x) { return x > 0x80000000u ? x - 0x7fffffffu : x + 12345u; }
static u32 l11(u32 x) { return (x | 1u) * (x >> 20 | 1u); }

/* layer 1: pairs of leaves */
static u32 a00(u32 x) { return l00(x) ^ l01(x); }
static u32 a01(u32 x) { return l02(l03(x)); }
static u32 a02(u32 x) { return l04(x) + l05(x >> 1); }
static u32 a03(u32 x) { return l06(l07(x)); }
static u32 a04(u32 x) { return l08(x) - l09(x); }
static u32 a05(u32 x) { return l10(l11(x)); }
static u32 a06(u32 x) { return l01(l04(x)) ^ 0x5bd1e995u; }
static u32 a07(u32 x) { return l03(x) + l08(x ^ 0xdeadbeefu); }
static u32 a08(u32 x) { return l09(l02(x)) * 7u; }
static u32 a09(u32 x) { return l05(x) & l11(x) ? l05(x) : l00(x); }
static u32 a10(u32 x) { return l07(l10(x)) + 1u; }
static u32 a11(u32 x) { return l06(x) ^ l00(x >> 5); }

/* layer 2: mixers with a branch */
static u32 b00(u32 x) { return (x & 1) ? a00(x) : a01(x); }
static u32 b01(u32 x) { return a02(x) ^ a03(x); }
static u32 b02(u32 x) { return a04(a05(x)); }
static u32 b03(u32 x) { return (x & 4) ? a06(x) + a07(x) : a08(x); }
static u32 b04(u32 x) { return a09(x) - a10(x); }
static u32 b05(u32 x) { return a11(a00(x)); }
static u32 b06(u32 x) { return a01(x) + a04(x ^ 0x1234567u); }
static u32 b07(u32 x) { return (x >> 31) ? a03(a06(x)) : a07(a02(x)); }
static u32 b08(u32 x) { return a08(x) ^ a09(x >> 2); }
static u32 b09(u32 x) { return a10(a11(x)) * 3u; }
static u32 b10(u32 x) { return a05(x) | a00(x >> 9); }
static u32 b11(u32 x) { return (x % 3 == 0) ? a02(x) : a10(x) ^ a04(x); }

/* layer 3: top level */
static u32 c00(u32 x) { return b00(x) + b01(x ^ 0x55u); }
static u32 c01(u32 x) { return b02(b03(x)); }
static u32 c02(u32 x) { return b04(x) ^ b05(x + 17u); }
static u32 c03(u32 x) { return b06(b07(x)); }
static u32 c04(u32 x) { return b08(x) - b09(x); }
static u32 c05(u32 x) { return b10(b11(x)); }
static u32 c06(u32 x) { return b01(x) ^ b08(x >> 3); }
static u32 c07(u32 x) { return b05(b02(x)) + b11(x); }

/* struct-by-value helpers */
typedef struct { int32_t x, y; } Vec2;
static Vec2 v_make(int32_t x, int32_t y) { Vec2 v = {x, y}; return v; }
static Vec2 v_add(Vec2 a, Vec2 b) { return v_make(a.x + b.x, a.y + b.y); }
static Vec2 v_half(Vec2 a) { return v_make(a.x / 2, a.y / 2); }
static Vec2 v_rot(Vec2 a) { return v_make(-a.y, a.x); }
static int64_t v_dot(Vec2 a, Vec2 b) { return (int64_t)a.x * b.x + (int64_t)a.y * b.y; }
static Vec2 v_step(Vec2 p, u32 r) { return v_half(v_add(r & 1 ? v_rot(p) : p, v_make((int32_t)(r & 1023) - 512, (int32_t)(r >> 22) - 512))); }

/* pointer-updating helpers */
typedef struct { uint64_t sum; u32 count, max; } Acc;
static void acc_add(Acc *a, u32 v) { a->sum += v; a->count++; }
static void acc_max(Acc *a, u32 v) { if (v > a->max) a->max = v; }
static void acc_both(Acc *a, u32 v) { acc_add(a, v); acc_max(a, v); }
static u32 acc_mix(const Acc *a) { return (u32)a->sum ^ a->count ^ a->max; }

/* small recursive helpers */
static u32 gcd(u32 a, u32 b) { return b ? gcd(b, a % b) : a; }
static int popcount_rec(u32 x) { return x ? (int)(x & 1) + popcount_rec(x >> 1) : 0; }

typedef u32 (*Fn)(u32);
static Fn const table[8] = {c00, c01, c02, c03, c04, c05, c06, c07};

static u32 dispatch(u32 sel, u32 x) { return table[sel & 7](x); }

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: smallfuncs [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const u32 iters_for[3] = {1000000, 12000000, 80000000};
    u32 iters = iters_for[size_arg(argc, argv)];
    u32 state = 12345u, h = 0;
    Vec2 p = v_make(1, 2);
    Acc acc = {0, 0, 0};
    int64_t dots = 0;
    int bits = 0;

    for (u32 i = 0; i < iters; i++) {
        state = state * 1664525u + 1013904223u;
        u32 v = dispatch(state >> 24, state);   /* indirect call */
        h = c03(h ^ v) + c06(v);                  /* direct calls */
        acc_both(&acc, v >> 8);
        if ((i & 15) == 0) {
            p = v_step(p, v);
            dots += v_dot(p, v_make(3, -5));
            bits += popcount_rec(h);
        }
        if ((i & 255) == 0) h ^= gcd(v | 1u, (state >> 8) | 1u);
    }
    printf("iterations = %u, h = %u, acc = %u, p = (%d,%d), dots = %lld, bits = %d\n", iters, h,
           acc_mix(&acc), p.x, p.y, (long long)dots, bits);
    printf("checksum: %llu\n", (unsigned long long)(((uint64_t)h << 32) ^ acc_mix(&acc) ^ (uint64_t)dots ^ (uint64_t)bits));
    return 0;
}
