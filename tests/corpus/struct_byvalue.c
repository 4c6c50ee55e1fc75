// corpus: structs passed/returned by value (small, SSE, mixed, 3-byte, 12-byte float, >16-byte), unions, bitfields
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct pair { int a, b; };             /* 8 bytes: one integer register */
struct vec2 { double x, y; };          /* 16 bytes: two SSE registers */
struct mix { int i; double d; };       /* 16 bytes: integer + SSE */
struct rgb { unsigned char r, g, b; }; /* 3 bytes */
struct vec3f { float x, y, z; };       /* 12 bytes: two SSE registers */
struct big { long v[5]; };             /* 40 bytes: passed/returned in memory */
struct huge { int data[20]; char tag[8]; struct pair inner; };
union pun { float f; uint32_t u; unsigned char bytes[4]; };
struct flags { unsigned a : 3, b : 5; signed int c : 7; unsigned d : 1; unsigned long long e : 40; };

static struct pair pair_step(struct pair p, int k) { return (struct pair){p.b + k, p.a - k}; }
static struct vec2 vec2_rot(struct vec2 v) {
    return (struct vec2){v.x * 0.75 - v.y * 0.5, v.x * 0.5 + v.y * 0.75 + 0.125};
}
static struct mix mix_step(struct mix m) {
    m.i = (m.i * 7 + 3) % 1000;
    m.d = m.d * 0.5 + m.i;
    return m;
}
static struct rgb rgb_blend(struct rgb a, struct rgb b) {
    return (struct rgb){(unsigned char)((a.r + b.r) / 2), (unsigned char)(a.g ^ b.g), (unsigned char)(a.b + 1)};
}
static struct vec3f vec3f_scale_add(struct vec3f a, struct vec3f b, float s) {
    return (struct vec3f){a.x + b.x * s, a.y - b.y * s, a.z * 0.5f + b.z};
}
static struct big big_add(struct big a, struct big b) {
    for (int i = 0; i < 5; i++) a.v[i] += b.v[i] * (i + 1) % 1009; /* modifies the callee's copy only */
    return a;
}
static struct huge huge_rotate(struct huge h) {
    int first = h.data[0];
    memmove(h.data, h.data + 1, sizeof h.data - sizeof h.data[0]);
    h.data[19] = first + 1;
    h.tag[h.data[0] & 7] ^= 1;
    h.inner = pair_step(h.inner, h.data[0] & 3);
    return h;
}
static long huge_sum(struct huge h) {
    long s = h.inner.a + h.inner.b;
    for (int i = 0; i < 20; i++) s += h.data[i] * (i + 1);
    for (int i = 0; i < 8; i++) s += h.tag[i];
    return s;
}
static struct flags flags_step(struct flags f) {
    f.a++;                                  /* unsigned bitfields wrap modulo 2^width */
    f.b += 3;
    f.c = (signed int)(f.a * 9) - 32;       /* stays within -64..63 */
    f.d = !f.d;
    f.e = (f.e * 5 + 1) & 0xFFFFFFFFFFull;
    return f;
}

int main(void) {
    struct pair p = {1, 2};
    struct vec2 v = {1.0, 0.0};
    struct mix m = {1, 1.0};
    struct rgb c = {10, 20, 30};
    struct vec3f f3 = {1.0f, 2.0f, 3.0f};
    struct big b = {{1, 2, 3, 4, 5}}, inc = {{7, 11, 13, 17, 19}};
    struct huge h;
    for (int i = 0; i < 20; i++) h.data[i] = i * i;
    memcpy(h.tag, "ABCDEFGH", 8);
    h.inner = p;
    struct flags fl = {0};

    /* Hot loop: every by-value function called 5000 times. */
    for (int i = 0; i < 5000; i++) {
        p = pair_step(p, i & 7);
        v = vec2_rot(v);
        m = mix_step(m);
        c = rgb_blend(c, (struct rgb){(unsigned char)i, (unsigned char)(i >> 3), 1});
        f3 = vec3f_scale_add(f3, (struct vec3f){0.25f, -0.5f, 1.0f}, 1.0f / (float)(i % 9 + 1));
        b = big_add(b, inc);
        h = huge_rotate(h);
        fl = flags_step(fl);
    }
    printf("pair: %d %d\n", p.a, p.b);
    printf("vec2: %.17g %.17g\n", v.x, v.y);
    printf("mix: %d %.17g\n", m.i, m.d);
    printf("rgb: %u %u %u\n", c.r, c.g, c.b);
    printf("vec3f: %.9g %.9g %.9g\n", f3.x, f3.y, f3.z);
    printf("big: %ld %ld %ld %ld %ld (inc unchanged: %ld)\n", b.v[0], b.v[1], b.v[2], b.v[3], b.v[4], inc.v[4]);
    printf("huge: sum %ld, tag %.8s, inner %d %d\n", huge_sum(h), h.tag, h.inner.a, h.inner.b);
    printf("flags: a=%u b=%u c=%d d=%u e=%llu sizeof=%zu\n", fl.a, fl.b, fl.c, fl.d,
           (unsigned long long)fl.e, sizeof fl);

    /* Struct copies are independent. */
    struct huge copy = h;
    copy.data[0] = -1;
    printf("copy independent: %d\n", h.data[0] != copy.data[0]);

    /* Unions: inspect float representations. */
    union pun u;
    uint32_t usum = 0;
    for (int i = 1; i <= 2000; i++) {
        u.f = 1.0f / (float)i;
        usum = usum * 3u + u.u + u.bytes[3];
    }
    u.f = -2.5f;
    printf("union: -2.5f = 0x%08x, bytes %02x %02x %02x %02x, usum %u\n", u.u, u.bytes[0], u.bytes[1],
           u.bytes[2], u.bytes[3], usum);
    unsigned long long cs = (unsigned long long)(p.a * 31 + p.b) + (unsigned long long)huge_sum(h) + usum + fl.e;
    printf("checksum: %llu\n", cs);
    return 0;
}
