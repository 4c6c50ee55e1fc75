// corpus: mutual recursion (is_even/is_odd, a 3-way cycle) and deep non-tail recursion (depth 10000)
#include <stdio.h>
#include <stdint.h>

/* Classic two-function mutual recursion. */
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* Three-way mutual recursion: ra -> rb -> rc -> ra, one step each. */
static uint32_t rb(uint32_t n, uint32_t acc);
static uint32_t rc(uint32_t n, uint32_t acc);
static uint32_t ra(uint32_t n, uint32_t acc) { return n == 0 ? acc : rb(n - 1, acc * 3u + 1u); }
static uint32_t rb(uint32_t n, uint32_t acc) { return n == 0 ? acc : rc(n - 1, acc ^ (acc >> 3)); }
static uint32_t rc(uint32_t n, uint32_t acc) { return n == 0 ? acc : ra(n - 1, acc + n); }

/* Deep non-tail recursion over a 10000-node list: work after the call keeps every frame alive. */
#define DEPTH 10000
struct node { uint32_t v; struct node *next; };
static struct node nodes[DEPTH];
static int max_depth;

static uint32_t fold_list(const struct node *p, int depth) {
    if (depth > max_depth) max_depth = depth;
    if (!p) return 17u;
    uint32_t r = fold_list(p->next, depth + 1);
    return r * 31u + p->v; /* uses the callee's result: not a tail call */
}

/* Recursion with a small local array in every frame (depth n). */
static uint64_t frame_heavy(int n) {
    volatile uint32_t local[8];
    for (int i = 0; i < 8; i++) local[i] = (uint32_t)n * 8u + (uint32_t)i;
    if (n == 0) return local[7];
    uint64_t r = frame_heavy(n - 1);
    uint64_t s = 0;
    for (int i = 0; i < 8; i++) s += local[i];
    return r + s;
}

/* Recursive sum of an array by halving (depth log n, many calls). */
static uint64_t range_sum(const struct node *a, int lo, int hi) {
    if (hi - lo == 1) return a[lo].v;
    int mid = lo + (hi - lo) / 2;
    return range_sum(a, lo, mid) + range_sum(a, mid, hi);
}

int main(void) {
    uint64_t checksum = 0;

    /* is_even / is_odd: about 250000 calls in total, recursion depth up to 10000. */
    int evens = 0;
    for (unsigned n = 0; n < 700; n++) evens += is_even(n);
    printf("evens below 700: %d\n", evens);
    for (unsigned n = 9997; n <= 10000; n++)
        printf("is_even(%u)=%d is_odd(%u)=%d\n", n, is_even(n), n, is_odd(n));
    checksum = checksum * 131 + (uint64_t)evens;

    for (uint32_t n = 0; n <= 3000; n += 600) {
        uint32_t r = ra(n, 1u);
        printf("ra(%u) = %u\n", n, r);
        checksum = checksum * 131 + r;
    }

    /* Build the list nodes[0] -> nodes[1] -> ... -> nodes[DEPTH-1]. */
    uint32_t x = 987654321u;
    for (int i = 0; i < DEPTH; i++) {
        x = x * 1664525u + 1013904223u;
        nodes[i].v = x >> 16;
        nodes[i].next = (i + 1 < DEPTH) ? &nodes[i + 1] : NULL;
    }
    for (int rep = 0; rep < 3; rep++) {
        uint32_t f = fold_list(&nodes[rep * 100], 0);
        printf("fold_list(start %d) = %u, max depth %d\n", rep * 100, f, max_depth);
        checksum = checksum * 131 + f;
    }

    uint64_t fh = frame_heavy(3000);
    printf("frame_heavy(3000) = %llu\n", (unsigned long long)fh);
    checksum = checksum * 131 + fh;

    uint64_t rs = range_sum(nodes, 0, DEPTH);
    printf("range_sum = %llu\n", (unsigned long long)rs);
    checksum = checksum * 131 + rs;

    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
