// corpus: integer edge cases: unsigned wrap, shifts, 64/128-bit multiply, negative division, INT_MIN without UB, builtins
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

/* Edge values kept volatile so they are really computed at run time. */
static volatile int vals[] = {0, 1, -1, 7, -7, 2, -2, 13, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1, 1000003, -65536};
#define NVALS ((int)(sizeof vals / sizeof vals[0]))

/* Signed division that avoids the one UB case (INT_MIN / -1); checks the C identity a == (a/b)*b + a%b. */
static int safe_divmod(int a, int b, int *q, int *r) {
    if (b == 0 || (a == INT_MIN && b == -1)) return 0;
    *q = a / b;
    *r = a % b;
    return (long long)*q * b + *r == a;
}
/* |x| as unsigned, valid for INT_MIN too. */
static unsigned uabs(int x) { return x < 0 ? 0u - (unsigned)x : (unsigned)x; }
static uint32_t rotl32(uint32_t x, unsigned k) { k &= 31; return k ? (x << k) | (x >> (32 - k)) : x; }
static uint64_t mulhi64(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }

/* Hot mixer using many integer operations (called 20000 times). */
static uint64_t mix(uint64_t h, uint32_t v) {
    h ^= v;
    h *= 0x100000001b3ull;                      /* wraps modulo 2^64 */
    h += mulhi64(h, 0x9e3779b97f4a7c15ull);
    h ^= (uint64_t)rotl32((uint32_t)h, v) << 7;
    h -= (uint64_t)__builtin_popcountll(h) << (v & 15);
    return h;
}

int main(void) {
    /* Unsigned wrap-around and integer promotions. */
    unsigned umax = UINT_MAX;
    uint8_t u8 = 200;
    uint16_t u16 = 65535;
    printf("UINT_MAX+1=%u 0u-1=%u (uint8)(200+100)=%u u16*u16=%u\n", umax + 1u, 0u - 1u,
           (unsigned)(uint8_t)(u8 + 100), (unsigned)u16 * u16); /* cast first: int*int would overflow */
    printf("ULLONG_MAX*3=%llu  -(unsigned long long)1=%llx\n", ULLONG_MAX * 3ull, -(unsigned long long)1);

    /* Shifts. Negative right shift is implementation-defined (arithmetic on clang/x86). */
    volatile int neg = -100;
    printf("1u<<31=%u 1ull<<63=%llu -100>>3=%d (unsigned)-100>>3=%u\n", 1u << 31, 1ull << 63, neg >> 3,
           (unsigned)neg >> 3);

    /* Division and remainder by negative numbers (C truncates toward zero). */
    int q, r;
    for (int i = 0; i < NVALS; i++) {
        for (int j = 3; j <= 6; j++) {
            if (!safe_divmod(vals[i], vals[j], &q, &r)) { printf("identity failed\n"); return 1; }
            if (i < 5) printf("%s%d/%d=%d %d%%%d=%d", j == 3 ? "" : "  ", vals[i], vals[j], q, vals[i], vals[j], r);
        }
        if (i < 5) printf("\n");
    }
    printf("INT_MIN/-1 skipped: %d, INT_MIN/2=%d, INT_MIN%%3=%d\n", !safe_divmod(INT_MIN, -1, &q, &r),
           INT_MIN / 2, INT_MIN % 3);

    /* INT_MIN and LLONG_MIN without UB. */
    printf("uabs(INT_MIN)=%u -(long long)INT_MIN=%lld LLONG_MIN=%lld LLONG_MIN/2=%lld\n", uabs(INT_MIN),
           -(long long)INT_MIN, LLONG_MIN, LLONG_MIN / 2);
    /* Out-of-range conversions to signed types are implementation-defined (modular here). */
    printf("(int8_t)200=%d (int16_t)40000=%d (int)3000000000u=%d\n", (int8_t)200, (int16_t)40000,
           (int)3000000000u);

    /* Overflow-checking builtins. */
    int sres;
    long long lres;
    printf("add_overflow(INT_MAX,1)=%d mul_overflow(2^40,2^30)=%d sub_overflow(INT_MIN,1)=%d\n",
           __builtin_add_overflow(INT_MAX, 1, &sres), __builtin_mul_overflow(1ll << 40, 1ll << 30, &lres),
           __builtin_sub_overflow(INT_MIN, 1, &sres));

    /* Bit builtins. */
    uint32_t w = 0x00f0a000u;
    printf("clz=%d ctz=%d popcount=%d parity=%d bswap32=%08x bswap64=%016llx\n", __builtin_clz(w),
           __builtin_ctz(w), __builtin_popcount(w), __builtin_parity(w), __builtin_bswap32(w),
           (unsigned long long)__builtin_bswap64(0x0102030405060708ull));

    /* 64-bit and 128-bit multiplication. */
    uint64_t big = 0xfedcba9876543210ull;
    unsigned __int128 wide = (unsigned __int128)big * big;
    printf("big*big lo=%016llx hi=%016llx mulhi=%016llx\n", (unsigned long long)wide,
           (unsigned long long)(wide >> 64), (unsigned long long)mulhi64(big, big));
    __int128 sw = (__int128)(int64_t)big * 3;
    printf("signed 128: hi=%lld lo=%llu\n", (long long)(sw >> 64), (unsigned long long)sw);

    /* Hot loop: divisions by runtime values and the mixer. */
    uint64_t h = 1469598103934665603ull;
    uint32_t lcg = 1u;
    long long divsum = 0;
    for (int i = 0; i < 20000; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        int a = (int)lcg;                                   /* any 32-bit value, may be INT_MIN */
        int b = vals[i % NVALS];
        if (safe_divmod(a, b, &q, &r)) divsum += q ^ r;
        divsum += (long long)(lcg / (uint32_t)(i + 1)) - (long long)(lcg % 10007u);
        h = mix(h, lcg);
    }
    printf("divsum=%lld mix=%016llx\n", divsum, (unsigned long long)h);
    printf("checksum: %llu\n", (unsigned long long)h ^ (unsigned long long)divsum);
    return 0;
}
