// corpus: OSR with escaping locals in main's loops: &x passed to a callee, pointer to a local in a global, local array/struct field/VLA used via pointers, &x == saved pointer after the loop, 64 KB non-escaping local array
#include <stdint.h>
#include <stdio.h>

#define BIG 16384 /* 16384 * 4 bytes = 64 KB */

static int *g_ptr;           /* points into main's frame while main runs */
static struct pt *g_field_owner;

struct pt {
    int32_t x, y;
    uint32_t tag;
};

__attribute__((noinline)) static void bump(int *x, uint32_t r) {
    *x = (*x * 5 + (int)(r & 0xff)) % 65521;
}

__attribute__((noinline)) static void set_from(int *out, int v) { *out = v ^ 0x55; }

__attribute__((noinline)) static void through_global(uint32_t r) {
    *g_ptr += (int)(r & 15) - 7;
}

__attribute__((noinline)) static uint32_t fill_and_sum(uint32_t *arr, int n, uint32_t r) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) {
        arr[i] = arr[i] * 31u + r + (uint32_t)i;
        s += arr[i] >> 3;
    }
    return s;
}

__attribute__((noinline)) static void nudge_field(int32_t *f, int32_t by) { *f += by; }

__attribute__((noinline)) static int check_owner(const struct pt *p) { return p == g_field_owner; }

int main(void) {
    uint64_t chk = 0xcbf29ce484222325ull;
    uint32_t lcg = 31337u;

    /* 1. int x; g(&x) inside the loop: x lives in memory, the callee changes it. */
    int x = 1;
    int *saved_x = &x;
    uint64_t xs = 0;
    for (int i = 0; i < 20000; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        bump(&x, lcg >> 16);
        int t; /* declared inside the loop body, address escapes every iteration */
        set_from(&t, x + i);
        xs += (uint64_t)x + (uint64_t)(t & 0xfff);
    }
    printf("bump: x %d sum %llu\n", x, (unsigned long long)xs);
    chk = (chk ^ xs ^ (uint64_t)x) * 1099511628211ull;

    /* 2. A pointer to a local stored in a global before the loop; read/written through it. */
    int counter = 1000;
    g_ptr = &counter;
    int64_t cs = 0;
    for (int i = 0; i < 20000; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        through_global(lcg >> 16);  /* write via the global in a callee */
        *g_ptr ^= i & 1;            /* write via the global here */
        cs += *g_ptr + counter;     /* read both ways */
        if ((i & 1023) == 0) counter += 3; /* direct write, seen through g_ptr */
    }
    *g_ptr += 1; /* after the loop */
    printf("global ptr: counter %d same %d cs %lld\n", counter, g_ptr == &counter, (long long)cs);
    chk = (chk ^ (uint64_t)cs ^ (uint64_t)counter) * 1099511628211ull;

    /* 3. A local array passed to a function inside the loop. */
    uint32_t arr[37];
    for (int i = 0; i < 37; i++) arr[i] = (uint32_t)i * 7u;
    uint32_t as = 0;
    for (int i = 0; i < 1500; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        as ^= fill_and_sum(arr, 37, lcg);
        arr[i % 37] += as;
    }
    printf("array: as %u arr[0] %u arr[36] %u\n", as, arr[0], arr[36]);
    chk = (chk ^ as ^ arr[5]) * 1099511628211ull;

    /* 4. A local struct whose field address is taken (before and inside the loop). */
    struct pt p = {3, -4, 0};
    int32_t *py = &p.y;
    g_field_owner = &p;
    for (int i = 0; i < 20000; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        nudge_field(&p.x, (int32_t)(lcg >> 29) - 3);
        *py += (int32_t)((lcg >> 20) & 3) - 1;
        p.tag = p.tag * 33u + (uint32_t)p.x + (uint32_t)p.y;
    }
    printf("struct: x %d y %d tag %u owner %d\n", p.x, p.y, p.tag, check_owner(&p));
    chk = (chk ^ p.tag ^ (uint64_t)(uint32_t)p.x) * 1099511628211ull;

    /* 5. A VLA declared before the loop and used in it (size from data, not a constant). */
    int vn = 40 + (int)(lcg >> 28); /* 40..55 */
    int64_t vla[vn];
    for (int i = 0; i < vn; i++) vla[i] = i;
    for (int i = 0; i < 20000; i++) {
        int k = i % vn;
        vla[k] = (vla[k] * 3 + vla[(k + 1) % vn] + i) % 1000003;
    }
    int64_t vs = 0;
    for (int i = 0; i < vn; i++) vs += vla[i] * (i + 1);
    printf("vla: n %d sum %lld\n", vn, (long long)vs);
    chk = (chk ^ (uint64_t)vs) * 1099511628211ull;

    /* 6. A pointer to a local kept in another local; both names used inside the loop. */
    long y = 5;
    long *py2 = &y;
    long *which = &y;
    long other = 9;
    for (int i = 0; i < 20000; i++) {
        *py2 += i % 7;
        y ^= (long)(i & 0xff);
        which = (i & 1) ? &other : py2; /* pointer switches between two locals */
        *which += 1;
    }
    printf("alias: y %ld other %ld which==&y %d\n", y, other, which == &y);
    chk = (chk ^ (uint64_t)y ^ (uint64_t)other) * 1099511628211ull;

    /* 7. A 64 KB local array that does not escape, used in the loop. */
    uint32_t big[BIG];
    for (int i = 0; i < BIG; i++) big[i] = (uint32_t)i ^ 0x5a5a5a5au;
    uint32_t bs = 0;
    for (int i = 0; i < 60000; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        uint32_t idx = lcg >> 18; /* 0..16383 */
        big[idx] = big[idx] * 2654435761u + (uint32_t)i;
        bs += big[(idx * 7u + 1u) % BIG];
    }
    uint32_t bsum = 0;
    for (int i = 0; i < BIG; i++) bsum = bsum * 31u + big[i];
    printf("big: bs %u fold %u\n", bs, bsum);
    chk = (chk ^ bs ^ bsum) * 1099511628211ull;

    /* The local's address must not change across the hot loops. */
    printf("same address: %d %d\n", &x == saved_x, g_ptr == &counter);
    chk = (chk ^ (uint64_t)*saved_x) * 1099511628211ull;
    g_ptr = 0;
    g_field_owner = 0;
    printf("checksum: %llu\n", (unsigned long long)chk);
    return 0;
}
