// bench: hashtable — two hash tables driven by an LCG: an open-addressing table (linear probing,
//        tombstones, rebuild on load) with 64-bit integer keys, and a separate-chaining table with
//        malloc'd string keys (FNV-1a). Each round inserts, looks up (hits and misses), deletes and
//        re-inserts. Hashing, unpredictable branches, cache misses, malloc/free, memcmp.
// sizes: short = 2 rounds, medium = 30 rounds, long = 230 rounds
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* ---- open addressing, integer keys ---- */
enum { EMPTY = 0, FULL = 1, DELETED = 2 };
typedef struct {
    uint64_t *keys;
    uint64_t *vals;
    uint8_t *state;
    size_t cap, used, tombs; /* cap is a power of two */
} IntTable;

static uint64_t mix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static void it_init(IntTable *t, size_t cap) {
    t->cap = cap;
    t->used = t->tombs = 0;
    t->keys = malloc(cap * sizeof *t->keys);
    t->vals = malloc(cap * sizeof *t->vals);
    t->state = calloc(cap, 1);
    if (!t->keys || !t->vals || !t->state) exit(1);
}

static void it_free(IntTable *t) { free(t->keys); free(t->vals); free(t->state); }

static void it_put(IntTable *t, uint64_t key, uint64_t val);

static void it_rebuild(IntTable *t) { /* drops tombstones; doubles when more than half full */
    IntTable old = *t;
    it_init(t, old.used * 2 > old.cap ? old.cap * 2 : old.cap);
    for (size_t i = 0; i < old.cap; i++)
        if (old.state[i] == FULL) it_put(t, old.keys[i], old.vals[i]);
    it_free(&old);
}

static void it_put(IntTable *t, uint64_t key, uint64_t val) {
    if ((t->used + t->tombs + 1) * 4 > t->cap * 3) it_rebuild(t);
    size_t mask = t->cap - 1, i = mix64(key) & mask, tomb = SIZE_MAX;
    for (; t->state[i] != EMPTY; i = (i + 1) & mask) {
        if (t->state[i] == DELETED) {
            if (tomb == SIZE_MAX) tomb = i;
        } else if (t->keys[i] == key) {
            t->vals[i] = val;
            return;
        }
    }
    if (tomb != SIZE_MAX) { i = tomb; t->tombs--; }
    t->state[i] = FULL;
    t->keys[i] = key;
    t->vals[i] = val;
    t->used++;
}

static size_t it_find(const IntTable *t, uint64_t key) { /* slot index or SIZE_MAX */
    size_t mask = t->cap - 1;
    for (size_t i = mix64(key) & mask; t->state[i] != EMPTY; i = (i + 1) & mask)
        if (t->state[i] == FULL && t->keys[i] == key) return i;
    return SIZE_MAX;
}

static int it_del(IntTable *t, uint64_t key) {
    size_t i = it_find(t, key);
    if (i == SIZE_MAX) return 0;
    t->state[i] = DELETED;
    t->used--;
    t->tombs++;
    return 1;
}

/* ---- separate chaining, string keys ---- */
typedef struct SNode {
    struct SNode *next;
    uint32_t hash;
    uint32_t val;
    char key[]; /* NUL-terminated */
} SNode;
#define SBUCKETS 4096

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static SNode **st_slot(SNode **b, const char *key, uint32_t h) { /* link pointing at key, or at the NULL end */
    SNode **p = &b[h % SBUCKETS];
    while (*p && !((*p)->hash == h && strcmp((*p)->key, key) == 0)) p = &(*p)->next;
    return p;
}

static void st_put(SNode **b, const char *key, uint32_t val) {
    uint32_t h = fnv1a(key);
    SNode **p = st_slot(b, key, h);
    if (*p) { (*p)->val = val; return; }
    size_t len = strlen(key);
    SNode *n = malloc(sizeof *n + len + 1);
    if (!n) exit(1);
    n->next = NULL;
    n->hash = h;
    n->val = val;
    memcpy(n->key, key, len + 1);
    *p = n;
}

static int st_del(SNode **b, const char *key) {
    SNode **p = st_slot(b, key, fnv1a(key));
    if (!*p) return 0;
    SNode *dead = *p;
    *p = dead->next;
    free(dead);
    return 1;
}

static void make_key(char *buf, uint32_t n) { /* "user:" + base-36 digits */
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tmp[16];
    int len = 0;
    do { tmp[len++] = digits[n % 36]; n /= 36; } while (n);
    memcpy(buf, "user:", 5);
    for (int i = 0; i < len; i++) buf[5 + i] = tmp[len - 1 - i];
    buf[5 + len] = '\0';
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: hashtable [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int rounds_for[3] = {2, 30, 230};
    int rounds = rounds_for[size_arg(argc, argv)];
    uint64_t checksum = 0, hits = 0, deletes = 0;
    char key[32];

    for (int r = 0; r < rounds; r++) {
        IntTable it;
        it_init(&it, 1024); /* grows by rebuilding */
        SNode **st = calloc(SBUCKETS, sizeof *st);
        if (!st) return 1;
        for (int phase = 0; phase < 2; phase++) {
            for (int i = 0; i < 15000; i++) { /* inserts (some are updates) */
                uint64_t k = (uint64_t)(rnd() % 50000u) * 0x9e3779b97f4a7c15ULL;
                it_put(&it, k, (uint64_t)i + (uint64_t)phase);
                make_key(key, rnd() % 12000u);
                st_put(st, key, (uint32_t)i);
            }
            for (int i = 0; i < 30000; i++) { /* lookups, many miss */
                size_t slot = it_find(&it, (uint64_t)(rnd() % 100000u) * 0x9e3779b97f4a7c15ULL);
                if (slot != SIZE_MAX) { hits++; checksum += it.vals[slot]; }
                make_key(key, rnd() % 24000u);
                SNode *n = *st_slot(st, key, fnv1a(key));
                if (n) { hits++; checksum += n->val * 3u; }
            }
            for (int i = 0; i < 10000; i++) { /* deletes */
                deletes += (uint64_t)it_del(&it, (uint64_t)(rnd() % 50000u) * 0x9e3779b97f4a7c15ULL);
                make_key(key, rnd() % 12000u);
                deletes += (uint64_t)st_del(st, key);
            }
        }
        checksum = checksum * 31u + it.used;
        for (int b = 0; b < SBUCKETS; b++)
            for (SNode *n = st[b], *next; n; n = next) {
                next = n->next;
                checksum += n->val ^ n->hash;
                free(n);
            }
        free(st);
        it_free(&it);
    }
    printf("rounds = %d, hits = %llu, deletes = %llu\n", rounds, (unsigned long long)hits, (unsigned long long)deletes);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
