// corpus: OSR loop shapes in functions called once or twice: swapping header phis, struct returned by value from inside a loop, float/double (%a), 11 parameters used in the loop, void + out-pointer, a VLA per iteration, triple nest, calls through a function pointer
#include <stdint.h>
#include <stdio.h>

/* 1. Loop-carried values that rotate every iteration: after mem2reg the header has phis that
 *    read each other (a "swap" / rotate cycle), which a state transfer must not serialize. */
static uint64_t rotate_phis(int n) {
    uint64_t a = 1, b = 2, c = 3;
    uint32_t lo = 0, hi = 0xffffffffu;
    for (int i = 0; i < n; i++) {
        uint64_t t = a;
        a = b;
        b = c;
        c = t * 3u + a + (uint64_t)i; /* uses the old a (t) and the new a */
        uint32_t u = lo;
        lo = hi;
        hi = u; /* pure swap */
        if (i % 3 == 0) lo += 1;
    }
    return a ^ (b << 1) ^ (c << 2) ^ ((uint64_t)lo << 32) ^ hi;
}

/* 2. A loop that returns a struct by value from inside its body. */
struct found {
    int32_t index;
    uint32_t value;
    double ratio;
    int64_t steps;
};

static struct found search(uint32_t seed, uint32_t mask, uint32_t want) {
    uint32_t x = seed;
    int64_t steps = 0;
    for (int32_t i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        steps += x & 3u;
        if ((x & mask) == want && i > 5000) {
            struct found f = {i, x, (double)steps / (double)(i + 1), steps};
            return f; /* leaves the loop and the function with a struct */
        }
    }
    struct found none = {-1, 0, 0.0, steps};
    return none;
}

/* 3. float and double accumulators, printed bit-exactly. No a*b+c in one expression (clang
 *    contracts only within an expression), so products and sums are separate statements. */
static void fp_loop(int n, float *fout, double *dout) {
    float f = 1.0f, fs = 0.0f;
    double d = 1.0, ds = 0.0;
    for (int i = 1; i <= n; i++) {
        float fp = f * 1.0001f;
        f = fp;
        if (f > 2.0f) f = f - 1.0f;
        fs = fs + f / (float)i;
        double dp = d * 1.0000001;
        d = dp;
        double q = d / (double)(i + 1);
        ds = ds + q;
        if (i % 1000 == 0) ds = ds - (double)(float)ds; /* float round trip */
    }
    *fout = fs + f;
    *dout = ds + d;
}

/* 4. Eleven parameters (ints, a long, doubles and a pointer), all used in the loop; several of
 *    them are passed on the stack. */
static int64_t many_params(int p1, int p2, int p3, int p4, int p5, int p6, int64_t p7, int p8, double p9,
                           double p10, const int32_t *p11) {
    int64_t acc = 0;
    double dacc = 0.0;
    for (int i = 0; i < 30000; i++) {
        int k = i & 15;
        acc += (int64_t)p1 * k + p2 - p3 + (p4 ^ i) + (i % (p5 + 1)) * p6;
        acc ^= p7 + i;
        acc += p8 * p11[k];
        dacc += p9 * (double)k;
        dacc -= p10;
        acc %= 1000000007;
    }
    return acc + (int64_t)dacc;
}

/* 5. void function with a loop that writes through out-pointers. */
static void histogram(uint32_t seed, int n, uint32_t *out_bins, int nbins, uint32_t *out_max) {
    uint32_t x = seed;
    for (int b = 0; b < nbins; b++) out_bins[b] = 0;
    *out_max = 0;
    for (int i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        uint32_t b = (x >> 16) % (uint32_t)nbins;
        out_bins[b]++;
        if (out_bins[b] > *out_max) *out_max = out_bins[b];
    }
}

/* 6. A VLA allocated in every iteration (the stack is saved and restored per iteration). */
static uint64_t vla_per_iteration(int n) {
    uint64_t total = 0;
    for (int it = 0; it < n; it++) {
        int len = 4 + (it * 7) % 29; /* 4..32 */
        uint32_t v[len];
        for (int i = 0; i < len; i++) v[i] = (uint32_t)(it * 131 + i * 17);
        uint32_t s = 0;
        for (int i = len - 1; i >= 0; i--) s = s * 3u + v[i];
        total += s;
    }
    return total;
}

/* 7. A triple nest whose innermost loop is the hottest (runs 40*30*50 = 60000 times). */
static int64_t triple(void) {
    int64_t sum = 0;
    for (int i = 0; i < 40; i++) {
        int64_t row = i;
        for (int j = 0; j < 30; j++) {
            int64_t inner = 0;
            for (int k = 0; k < 50; k++) inner += (int64_t)((i * 31 + j * 17 + k * 7) % 101) - 50;
            row = row * 3 + inner;
            row %= 1000003;
        }
        sum += row;
    }
    return sum;
}

/* 8. A loop that calls through a function pointer chosen per iteration. */
static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b * 2654435761u); }
static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << (b & 15)) | (a >> (32 - (b & 15)) % 32); }

static uint32_t apply_ops(uint32_t (*const *ops)(uint32_t, uint32_t), int nops, int n) {
    uint32_t acc = 7;
    for (int i = 0; i < n; i++) {
        uint32_t (*f)(uint32_t, uint32_t) = ops[(acc >> 3) % (uint32_t)nops];
        acc = f(acc, (uint32_t)i + 1u);
    }
    return acc;
}

int main(void) {
    uint64_t chk = 1469598103934665603ull;

    uint64_t rp1 = rotate_phis(40000), rp2 = rotate_phis(40001);
    printf("rotate: %llu %llu\n", (unsigned long long)rp1, (unsigned long long)rp2);
    chk = (chk ^ rp1 ^ (rp2 << 1)) * 1099511628211ull;

    struct found f1 = search(2463534242u, 0xfffu, 0x5a5u);
    struct found f2 = search(88675123u, 0x3ffffu, 7u);
    printf("search: %d %u %a %lld | %d %u %a %lld\n", f1.index, f1.value, f1.ratio, (long long)f1.steps, f2.index,
           f2.value, f2.ratio, (long long)f2.steps);
    chk = (chk ^ (uint64_t)f1.index ^ f1.value ^ (uint64_t)f2.steps) * 1099511628211ull;

    float ff;
    double dd;
    fp_loop(50000, &ff, &dd);
    printf("fp: %a %a\n", (double)ff, dd);
    chk = (chk ^ (uint64_t)(dd * 1e6) ^ (uint64_t)(ff * 1e3f)) * 1099511628211ull;

    static const int32_t table[17] = {3, -1, 4, -1, 5, -9, 2, 6, -5, 3, 5, -8, 9, 7, -9, 3, 11};
    int64_t mp = many_params(3, 5, 7, 11, 13, 17, 1234567890123ll, 19, 0.25, 0.125, table);
    int64_t mp2 = many_params(-2, 9, -4, 6, 2, -8, -77, 3, -1.5, 2.75, table + 1);
    printf("many params: %lld %lld\n", (long long)mp, (long long)mp2);
    chk = (chk ^ (uint64_t)mp ^ ((uint64_t)mp2 << 7)) * 1099511628211ull;

    uint32_t bins[13], bmax;
    histogram(99u, 40000, bins, 13, &bmax);
    printf("histogram: max %u bins", bmax);
    for (int i = 0; i < 13; i++) {
        printf(" %u", bins[i]);
        chk = (chk ^ bins[i]) * 1099511628211ull;
    }
    printf("\n");

    uint64_t vp = vla_per_iteration(20000);
    printf("vla per iteration: %llu\n", (unsigned long long)vp);
    chk = (chk ^ vp) * 1099511628211ull;

    int64_t tr = triple();
    printf("triple: %lld\n", (long long)tr);
    chk = (chk ^ (uint64_t)tr) * 1099511628211ull;

    static uint32_t (*const ops[3])(uint32_t, uint32_t) = {op_add, op_xor, op_rot};
    uint32_t ao = apply_ops(ops, 3, 30000);
    printf("fnptr: %u\n", ao);
    chk = (chk ^ ao) * 1099511628211ull;

    printf("checksum: %llu\n", (unsigned long long)chk);
    return 0;
}
