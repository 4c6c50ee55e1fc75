// corpus: heavy malloc/calloc/realloc/free: linked list, growable vector, binary search tree; everything freed
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t lcg_state = 2024u;
static uint32_t lcg(void) { return lcg_state = lcg_state * 1664525u + 1013904223u; }

/* ---- singly linked list ---- */
struct lnode { int v; struct lnode *next; };
static struct lnode *push_front(struct lnode *head, int v) {
    struct lnode *n = malloc(sizeof *n);
    if (!n) exit(90);
    n->v = v;
    n->next = head;
    return n;
}
static struct lnode *reverse(struct lnode *h) {
    struct lnode *prev = NULL;
    while (h) { struct lnode *nx = h->next; h->next = prev; prev = h; h = nx; }
    return prev;
}
static struct lnode *remove_if_even(struct lnode *h, int *removed) {
    struct lnode **pp = &h;
    while (*pp) {
        if ((*pp)->v % 2 == 0) { struct lnode *dead = *pp; *pp = dead->next; free(dead); (*removed)++; }
        else pp = &(*pp)->next;
    }
    return h;
}
static void free_list(struct lnode *h) { while (h) { struct lnode *nx = h->next; free(h); h = nx; } }

/* ---- growable vector ---- */
struct vec { int *data; size_t len, cap; int reallocs; };
static void vec_push(struct vec *v, int x) {
    if (v->len == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 4;
        int *nd = realloc(v->data, ncap * sizeof *nd);
        if (!nd) exit(91);
        v->data = nd;
        v->cap = ncap;
        v->reallocs++;
    }
    v->data[v->len++] = x;
}

/* ---- binary search tree ---- */
struct tnode { int key, count; struct tnode *left, *right; };
static struct tnode *tree_insert(struct tnode *t, int key) {
    if (!t) {
        t = calloc(1, sizeof *t); /* zeroed: left/right NULL, count 0 */
        if (!t) exit(92);
        t->key = key;
    }
    if (key < t->key) t->left = tree_insert(t->left, key);
    else if (key > t->key) t->right = tree_insert(t->right, key);
    else t->count++;
    return t;
}
static int tree_height(const struct tnode *t) {
    if (!t) return 0;
    int l = tree_height(t->left), r = tree_height(t->right);
    return 1 + (l > r ? l : r);
}
static void tree_inorder(const struct tnode *t, uint64_t *acc, int *n, int *prev, int *sorted) {
    if (!t) return;
    tree_inorder(t->left, acc, n, prev, sorted);
    if (*n > 0 && t->key <= *prev) *sorted = 0;
    *prev = t->key;
    *acc = *acc * 31u + (uint64_t)t->key * (uint64_t)t->count;
    (*n)++;
    tree_inorder(t->right, acc, n, prev, sorted);
}
static int tree_free(struct tnode *t) {
    if (!t) return 0;
    int n = tree_free(t->left) + tree_free(t->right) + 1;
    free(t);
    return n;
}

int main(void) {
    /* Linked list: 10000 nodes, reversed, half removed, summed, freed. */
    struct lnode *list = NULL;
    for (int i = 0; i < 10000; i++) list = push_front(list, (int)(lcg() >> 16));
    list = reverse(list);
    int removed = 0;
    list = remove_if_even(list, &removed);
    long lsum = 0;
    int llen = 0;
    for (struct lnode *p = list; p; p = p->next) { lsum += p->v; llen++; }
    printf("list: %d kept, %d removed, first %d, sum %ld\n", llen, removed, list ? list->v : -1, lsum);
    free_list(list);

    /* Vector: 50000 pushes with doubling realloc, then shrink-to-fit. */
    struct vec v = {NULL, 0, 0, 0};
    for (int i = 0; i < 50000; i++) vec_push(&v, (int)(lcg() % 1000));
    long vsum = 0;
    for (size_t i = 0; i < v.len; i++) vsum += v.data[i];
    int *shrunk = realloc(v.data, v.len * sizeof *shrunk);
    if (!shrunk) return 93;
    v.data = shrunk;
    printf("vector: len %zu, cap was %zu, reallocs %d, sum %ld, last %d\n", v.len, v.cap, v.reallocs, vsum,
           v.data[v.len - 1]);
    free(v.data);

    /* Many short-lived allocations of varying sizes. */
    uint64_t bytes = 0;
    for (int i = 0; i < 5000; i++) {
        size_t sz = 1 + lcg() % 512;
        unsigned char *b = malloc(sz);
        if (!b) return 94;
        for (size_t j = 0; j < sz; j++) b[j] = (unsigned char)(j ^ (size_t)i);
        bytes += b[sz - 1] + sz;
        free(b);
    }
    printf("churn: %llu\n", (unsigned long long)bytes);

    /* Tree: 6000 random keys (with duplicates). */
    struct tnode *root = NULL;
    for (int i = 0; i < 6000; i++) root = tree_insert(root, (int)(lcg() % 4000));
    uint64_t tacc = 0;
    int nodes = 0, prev = 0, sorted = 1;
    tree_inorder(root, &tacc, &nodes, &prev, &sorted);
    printf("tree: %d distinct keys, height %d, in-order sorted %d, hash %llu\n", nodes, tree_height(root),
           sorted, (unsigned long long)tacc);
    printf("tree: freed %d nodes\n", tree_free(root));
    printf("checksum: %llu\n", (unsigned long long)(tacc ^ bytes ^ (uint64_t)lsum ^ (uint64_t)vsum));
    return 0;
}
