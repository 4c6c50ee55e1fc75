// corpus: function pointers: tables, callbacks, qsort/bsearch comparators, returned pointers, &f == fp equality
#include <stdio.h>
#include <stdlib.h>

typedef int (*unop)(int);
typedef int (*binop)(int, int);

static int sq(int x) { return (int)((long long)x * x % 10007); }
static int inc(int x) { return x + 1; }
static int neg(int x) { return -x; }
static int half(int x) { return x / 2; }
int twice(int x) { return 2 * x % 100003; } /* external linkage */

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mx(int a, int b) { return a > b ? a : b; }
static int mn(int a, int b) { return a < b ? a : b; }

static const unop unops[] = {sq, inc, neg, half, twice};
static binop binops[4] = {add, sub, mx, mn};
unop global_sq = sq; /* address of sq taken in a global initializer */

/* Callback: map an array in place. */
static void apply(int *a, int n, unop f) {
    for (int i = 0; i < n; i++) a[i] = f(a[i]);
}
/* Callback: fold an array. */
static int fold(const int *a, int n, int init, binop f) {
    for (int i = 0; i < n; i++) init = f(init, a[i]);
    return init;
}
/* A function returning a function pointer. */
static unop choose(int k) { return unops[k % 5]; }
/* Compose via a struct of pointers. */
struct pipeline { unop first, second; };
static int run_pipeline(struct pipeline p, int x) { return p.second(p.first(x)); }

/* Addresses of the same function taken in different functions. */
static unop addr_of_sq_a(void) { return &sq; }
static unop addr_of_sq_b(void) { return sq; }
static binop addr_of_add(void) { return add; }

struct item { int key; int id; };
static int cmp_item(const void *pa, const void *pb) {
    const struct item *a = pa, *b = pb;
    if (a->key != b->key) return (a->key > b->key) - (a->key < b->key);
    return (a->id > b->id) - (a->id < b->id); /* total order: deterministic result */
}
static int cmp_int_desc(const void *pa, const void *pb) {
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a < b) - (a > b);
}

int main(void) {
    int arr[64];
    unsigned x = 42u;
    for (int i = 0; i < 64; i++) { x = x * 1664525u + 1013904223u; arr[i] = (int)(x >> 20); }

    /* Hot: 2000 rounds x 64 elements through pointer tables. */
    long acc = 0;
    for (int r = 0; r < 2000; r++) {
        apply(arr, 64, choose(r));
        acc += fold(arr, 64, r, binops[r & 3]);
        if (r % 400 == 0) printf("round %d: acc %ld arr[0] %d\n", r, acc, arr[0]);
    }
    struct pipeline p = {inc, sq};
    printf("pipeline(inc,sq)(9) = %d\n", run_pipeline(p, 9));

    /* Function address identity. */
    unop a = addr_of_sq_a(), b = addr_of_sq_b();
    printf("&sq equal across functions: %d\n", a == b);
    printf("&sq == global_sq: %d, == unops[0]: %d\n", a == global_sq, a == unops[0]);
    printf("&sq == &inc: %d\n", a == inc);
    printf("add via table == addr_of_add(): %d\n", binops[0] == addr_of_add());
    printf("twice == unops[4]: %d, choose(4)(21) = %d\n", twice == unops[4], choose(4)(21));

    /* qsort with comparator, then bsearch. */
    struct item items[200];
    for (int i = 0; i < 200; i++) {
        x = x * 1664525u + 1013904223u;
        items[i].key = (int)(x >> 26);
        items[i].id = i;
    }
    qsort(items, 200, sizeof items[0], cmp_item);
    unsigned long isum = 0;
    for (int i = 0; i < 200; i++) isum = isum * 3u + (unsigned)items[i].id;
    printf("sorted items: first (%d,%d) last (%d,%d) idsum %lu\n", items[0].key, items[0].id,
           items[199].key, items[199].id, isum % 1000003);
    qsort(arr, 64, sizeof arr[0], cmp_int_desc);
    int key = arr[17];
    int *found = bsearch(&key, arr, 64, sizeof arr[0], cmp_int_desc);
    printf("bsearch for %d: %s\n", key, found && *found == key ? "found" : "missing");
    printf("checksum: %lu\n", (unsigned long)acc ^ isum);
    return 0;
}
