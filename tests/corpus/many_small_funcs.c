// corpus: ~40 tiny functions calling each other in a chain (plus a few direct entry points), each called thousands of times
#include <stdint.h>
#include <stdio.h>

typedef uint32_t u32;
static u32 visits; /* incremented by the chain's last link */

/* f39 is the end of the chain; every f<k> does a tiny bit of work and calls f<k+1>. */
static u32 f39(u32 x) { visits++; return x ^ (x >> 11); }
static u32 f38(u32 x) { return f39(x + 38u); }
static u32 f37(u32 x) { return f38(x * 3u); }
static u32 f36(u32 x) { return f37(x ^ 0x5a5a5a5au); }
static u32 f35(u32 x) { return f36(x - 35u); }
static u32 f34(u32 x) { return f35((x << 3) | (x >> 29)); }
static u32 f33(u32 x) { return f34(x + (x >> 7)); }
u32 f32(u32 x);        /* a few links have external linkage */
u32 f32(u32 x) { return f33(x * 2654435761u); }
static u32 f31(u32 x) { return f32(x ^ 31u); }
static u32 f30(u32 x) { return f31(x & 1u ? x + 30u : x - 30u); }
static u32 f29(u32 x) { return f30(~x); }
static u32 f28(u32 x) { return f29(x * 5u + 1u); }
static u32 f27(u32 x) { return f28((x >> 1) ^ x); }
static u32 f26(u32 x) { return f27(x + 26u); }
static u32 f25(u32 x) { return f26(x % 1000003u + x); }
static u32 f24(u32 x) { return f25(x ^ (x << 5)); }
u32 f23(u32 x);
u32 f23(u32 x) { return f24(x - (x >> 3)); }
static u32 f22(u32 x) { return f23(x * 7u); }
static u32 f21(u32 x) { return f22(x + 0x9e37u); }
static u32 f20(u32 x) { return f21(x ^ (x >> 16)); }
static u32 f19(u32 x) { return f20(x | 1u); }
static u32 f18(u32 x) { return f19(x * 0x85ebca6bu); }
static u32 f17(u32 x) { return f18(x + 17u); }
static u32 f16(u32 x) { return f17((x >> 13) ^ x); }
static u32 f15(u32 x) { return f16(x * 0xc2b2ae35u); }
static u32 f14(u32 x) { return f15(x - 14u); }
static u32 f13(u32 x) { return f14(x > 0x80000000u ? x - 0x80000000u : x + 13u); }
static u32 f12(u32 x) { return f13(x ^ 0xffffu); }
static u32 f11(u32 x) { return f12(x + (x << 10)); }
static u32 f10(u32 x) { return f11(x ^ (x >> 6)); }
static u32 f09(u32 x) { return f10(x + 9u); }
static u32 f08(u32 x) { return f09(x * 9u); }
static u32 f07(u32 x) { return f08(x ^ 7u); }
static u32 f06(u32 x) { return f07(x - 6u); }
static u32 f05(u32 x) { return f06((x << 1) + 5u); }
static u32 f04(u32 x) { return f05(x ^ (x >> 4)); }
static u32 f03(u32 x) { return f04(x + 3u); }
static u32 f02(u32 x) { return f03(x * 0x01000193u); }
static u32 f01(u32 x) { return f02(x + 1u); }
u32 f00(u32 x);
u32 f00(u32 x) { return f01(x ^ 0x811c9dc5u); }

/* Two small functions with a different shape: mutual helpers with several parameters. */
static u32 pick(u32 a, u32 b, u32 c) { return (a & 1u) ? b : c; }
static u32 blend(u32 a, u32 b) { return pick(a, a + b, a ^ b) + pick(b, a, b); }

int main(void) {
    u32 acc = 0;
    /* Full chain: 6000 x 40 calls. */
    for (u32 i = 0; i < 6000; i++) {
        acc = blend(acc, f00(i));
        if (i % 1500 == 0) printf("i=%u f00=%u acc=%u\n", i, f00(i), acc);
    }
    /* Enter the chain in the middle too (f16.. and f32.. become hotter). */
    u32 mid = 0;
    for (u32 i = 0; i < 4000; i++) mid = mid * 31u + f16(i) + f32(i) + f23(i);
    printf("mid chain: %u\n", mid);
    printf("f00(0)=%u f10(10)=%u f20(20)=%u f30(30)=%u f39(39)=%u\n", f00(0), f10(10), f20(20), f30(30), f39(39));
    printf("visits: %u\n", visits);
    printf("checksum: %u\n", acc ^ mid ^ visits);
    return 0;
}
