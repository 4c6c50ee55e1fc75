// corpus: chained hash table with string keys: insert/lookup/update/delete, resizing, all memory freed
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry { char *key; long value; struct entry *next; };
struct table { struct entry **buckets; size_t nbuckets, count; int resizes; };

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) exit(90);
    return memcpy(d, s, n);
}
/* djb2-xor string hash: the hottest function (called for every operation). */
static uint32_t hash(const char *s) {
    uint32_t h = 5381;
    while (*s) h = (h * 33u) ^ (unsigned char)*s++;
    return h;
}
static void table_init(struct table *t, size_t n) {
    t->buckets = calloc(n, sizeof *t->buckets);
    if (!t->buckets) exit(91);
    t->nbuckets = n;
    t->count = 0;
    t->resizes = 0;
}
static void table_resize(struct table *t) {
    size_t n = t->nbuckets * 2;
    struct entry **nb = calloc(n, sizeof *nb);
    if (!nb) exit(92);
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i];
        while (e) {
            struct entry *nx = e->next;
            size_t b = hash(e->key) % n;
            e->next = nb[b];
            nb[b] = e;
            e = nx;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
    t->resizes++;
}
static struct entry *table_find(const struct table *t, const char *key) {
    for (struct entry *e = t->buckets[hash(key) % t->nbuckets]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}
/* Adds delta to key's value, inserting it (value 0) first if absent. Returns 1 if inserted. */
static int table_add(struct table *t, const char *key, long delta) {
    struct entry *e = table_find(t, key);
    if (e) { e->value += delta; return 0; }
    if (t->count + 1 > t->nbuckets * 3 / 4) table_resize(t);
    e = malloc(sizeof *e);
    if (!e) exit(93);
    e->key = dup_str(key);
    e->value = delta;
    size_t b = hash(key) % t->nbuckets;
    e->next = t->buckets[b];
    t->buckets[b] = e;
    t->count++;
    return 1;
}
static int table_delete(struct table *t, const char *key) {
    for (struct entry **pp = &t->buckets[hash(key) % t->nbuckets]; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            struct entry *dead = *pp;
            *pp = dead->next;
            free(dead->key);
            free(dead);
            t->count--;
            return 1;
        }
    }
    return 0;
}
static void table_free(struct table *t) {
    for (size_t i = 0; i < t->nbuckets; i++)
        for (struct entry *e = t->buckets[i], *nx; e; e = nx) { nx = e->next; free(e->key); free(e); }
    free(t->buckets);
}

int main(void) {
    struct table t;
    table_init(&t, 8);
    char key[32];
    uint32_t x = 7u;
    int inserted = 0;
    /* 20000 adds over ~3000 distinct keys. */
    for (int i = 0; i < 20000; i++) {
        x = x * 1664525u + 1013904223u;
        snprintf(key, sizeof key, "key-%u", (x >> 8) % 3000u);
        inserted += table_add(&t, key, (long)(x >> 28));
    }
    printf("inserted %d distinct, count %zu, buckets %zu, resizes %d\n", inserted, t.count, t.nbuckets, t.resizes);

    /* Lookups of present and absent keys. */
    int hits = 0;
    long found_sum = 0;
    for (int i = 0; i < 6000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        struct entry *e = table_find(&t, key);
        if (e) { hits++; found_sum += e->value; }
    }
    printf("lookups: %d hits of 6000, value sum %ld\n", hits, found_sum);

    /* Delete every third key, verify they are gone. */
    int deleted = 0, still = 0;
    for (int i = 0; i < 3000; i += 3) {
        snprintf(key, sizeof key, "key-%d", i);
        deleted += table_delete(&t, key);
        still += table_find(&t, key) != NULL;
    }
    printf("deleted %d, still present %d, count now %zu\n", deleted, still, t.count);

    /* Bucket length statistics. */
    size_t longest = 0, empty = 0;
    for (size_t i = 0; i < t.nbuckets; i++) {
        size_t len = 0;
        for (struct entry *e = t.buckets[i]; e; e = e->next) len++;
        if (len > longest) longest = len;
        if (len == 0) empty++;
    }
    printf("longest chain %zu, empty buckets %zu\n", longest, empty);
    struct entry *e = table_find(&t, "key-1234");
    printf("key-1234 -> %ld\n", e ? e->value : -1L);

    uint64_t checksum = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        e = table_find(&t, key);
        checksum = checksum * 131u + (e ? (uint64_t)e->value + 1u : 0u);
    }
    table_free(&t);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
