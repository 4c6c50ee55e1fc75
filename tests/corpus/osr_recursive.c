// corpus: OSR in recursive functions called only a few times: a hot loop at every level that recurses from inside the loop body (chain 150 deep, tree build, merge sort), a mutually recursive pair where one side loops
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t lcg_state = 4242u;
static uint32_t next_rand(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

/* 1. A linear chain: every level runs 1000 iterations and recurses once from the middle of
 *    its loop, so each frame is suspended mid-loop and resumes its loop after the callee. */
static uint64_t chain(int depth, uint32_t salt) {
    uint64_t acc = (uint64_t)salt;
    int recurse_at = 100 + (int)(salt % 800u);
    uint32_t local[8] = {0};
    for (int i = 0; i < 1000; i++) {
        acc = acc * 6364136223846793005ull + (uint64_t)i;
        local[i & 7] += (uint32_t)(acc >> 40);
        if (i == recurse_at && depth > 0) {
            uint64_t sub = chain(depth - 1, (uint32_t)(acc >> 33));
            acc ^= sub; /* the caller's locals must survive the callee */
        }
    }
    for (int k = 0; k < 8; k++) acc += (uint64_t)local[k] << k;
    return acc + (uint64_t)depth;
}

/* 2. A tree build: each node loops 600 times filling its payload; on 2 (or 3) chosen iterations
 *    it recurses to build a child. Depth-limited; node count is data dependent. */
struct node {
    struct node *kid[3];
    int nkids;
    int depth;
    uint32_t payload;
};

static long nodes_built;

static struct node *build(int depth, uint32_t seed) {
    struct node *n = calloc(1, sizeof *n);
    if (!n) abort();
    nodes_built++;
    n->depth = depth;
    uint32_t h = seed;
    int want = depth < 7 ? 2 + (int)(seed % 2u) : 0; /* 2 or 3 children until depth 7 */
    if (want > 0 && depth >= 4 && seed % 5u == 0) want = 1;
    for (int i = 0; i < 600; i++) {
        h ^= h << 13;
        h ^= h >> 17;
        h ^= h << 5;
        h += (uint32_t)i;
        if (n->nkids < want && i == 150 + 200 * n->nkids) n->kid[n->nkids++] = build(depth + 1, h);
    }
    n->payload = h;
    return n;
}

static uint64_t tree_fold(const struct node *n, int *maxdepth) {
    if (n->depth > *maxdepth) *maxdepth = n->depth;
    uint64_t s = n->payload;
    for (int i = 0; i < n->nkids; i++) s = s * 1000003u + tree_fold(n->kid[i], maxdepth);
    return s;
}

static void tree_free(struct node *n) {
    for (int i = 0; i < n->nkids; i++) tree_free(n->kid[i]);
    free(n);
}

/* 3. Merge sort: the recursion happens from inside a 2-iteration loop over the halves, and
 *    each level then runs its own merge loop (the hot part at the top levels). */
static long merge_steps;
static void msort(int32_t *a, int32_t *tmp, int n) {
    if (n < 2) return;
    int half = n / 2;
    for (int h = 0; h < 2; h++) {
        if (h == 0) msort(a, tmp, half);
        else msort(a + half, tmp, n - half);
    }
    int i = 0, j = half, k = 0;
    while (i < half && j < n) {
        merge_steps++;
        tmp[k++] = (a[i] <= a[j]) ? a[i++] : a[j++];
    }
    while (i < half) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    for (int t = 0; t < n; t++) a[t] = tmp[t];
}

/* 4. A mutually recursive pair: ping runs a hot loop and calls pong from inside it; pong is
 *    small and calls back into ping one level down. */
static uint64_t pong(int n, uint64_t v);

static uint64_t ping(int n, uint64_t v) {
    uint64_t acc = v;
    for (int i = 0; i < 700; i++) {
        acc = (acc ^ (acc >> 29)) * 0xbf58476d1ce4e5b9ull + (uint64_t)n;
        if (i == 350 && n > 0) acc += pong(n - 1, acc);
    }
    return acc;
}

static uint64_t pong(int n, uint64_t v) {
    if (n % 3 == 0) return ping(n, v ^ 0x1234u) + 1; /* twice in a row on the ping side */
    return ping(n, v + (uint64_t)n) * 3u;
}

int main(void) {
    uint64_t chk = 1469598103934665603ull;

    /* chain: called 3 times, depth 150 (151 frames, each with a 1000-iteration loop). */
    for (int r = 0; r < 3; r++) {
        uint64_t v = chain(150, 17u + (uint32_t)r * 1000u);
        printf("chain %d: %llu\n", r, (unsigned long long)v);
        chk = (chk ^ v) * 1099511628211ull;
    }

    /* tree: built twice. */
    for (int r = 0; r < 2; r++) {
        nodes_built = 0;
        struct node *root = build(0, 99u + (uint32_t)r);
        int maxd = 0;
        uint64_t f = tree_fold(root, &maxd);
        printf("tree %d: %ld nodes, depth %d, fold %llu\n", r, nodes_built, maxd, (unsigned long long)f);
        chk = (chk ^ f ^ (uint64_t)nodes_built) * 1099511628211ull;
        tree_free(root);
    }

    /* merge sort: 2 arrays of 6000. */
    enum { NS = 6000 };
    static int32_t a[NS], tmp[NS];
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < NS; i++) a[i] = (int32_t)(next_rand() % 100000u) - 50000;
        merge_steps = 0;
        msort(a, tmp, NS);
        int sorted = 1;
        uint64_t s = 0;
        for (int i = 0; i < NS; i++) {
            if (i > 0 && a[i - 1] > a[i]) sorted = 0;
            s = s * 31u + (uint32_t)a[i];
        }
        printf("msort %d: sorted %d steps %ld min %d max %d\n", r, sorted, merge_steps, a[0], a[NS - 1]);
        chk = (chk ^ s) * 1099511628211ull;
    }

    /* ping/pong: 90 levels of mutual recursion (181 frames). */
    uint64_t pp = ping(90, 5u);
    printf("pingpong: %llu\n", (unsigned long long)pp);
    chk = (chk ^ pp) * 1099511628211ull;

    printf("checksum: %llu\n", (unsigned long long)chk);
    return 0;
}
