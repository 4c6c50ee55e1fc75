// corpus: globals: initialized arrays/structs/strings, static locals, const tables, pointers to globals and functions in initializers
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

/* Plain initialized and zero-initialized data. */
int primes[10] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
static long long big = 0x123456789abcLL;
static double dtab[] = {0.5, 1.25, -3.0, 1e10};
static int zeroed[16]; /* .bss */
char buf[32] = "mutable";
const char *greeting = "hello, globals";
static const char *const words[] = {"zero", "one", "two", "three"};
static char grid[3][4] = {"abc", "def", "ghi"};
static struct { int a; char b[3]; short c; } anon = {5, "xy", -2};

/* Pointers to other globals in initializers (including interior and one-past-end pointers). */
int *prime_ptr = &primes[3];
static char *buf_end = buf + sizeof buf;
static int *const edge_ptrs[] = {&primes[0], &primes[9], &zeroed[15]};
static long long *big_ptr = &big;

/* A self-referential linked list built entirely by initializers. */
struct node { int v; const struct node *next; };
static const struct node n3 = {30, NULL};
static const struct node n2 = {20, &n3};
static const struct node n1 = {10, &n2};
static const struct node *list_head = &n1;

/* Function pointers in initializers. */
static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
static int op_mul(int a, int b) { return a * b; }
static int op_xor(int a, int b) { return a ^ b; }
struct op { const char *name; int (*fn)(int, int); int weight; };
static const struct op ops[] = {
    {"add", op_add, 1}, {"sub", op_sub, 2}, {"mul", op_mul, 3}, {"xor", &op_xor, 4},
};
static const struct op *default_op = &ops[2];
int (*global_fn)(int, int) = op_sub;

/* Const lookup table: 4-bit popcount. */
static const uint8_t nibble_bits[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
static int popcount32(uint32_t v) {
    int n = 0;
    for (; v; v >>= 4) n += nibble_bits[v & 15u];
    return n;
}

/* Static locals: persist across calls; one initialized from a constant address. */
static int counter(void) {
    static int calls = 100;
    return ++calls;
}
static int next_prime_cycle(void) {
    static const int *p = primes;
    int v = *p;
    p = (p + 1 == primes + 10) ? primes : p + 1;
    return v;
}

int main(void) {
    printf("greeting: %s (%zu chars)\n", greeting, strlen(greeting));
    printf("buf: \"%s\", room left %td\n", buf, buf_end - buf - (ptrdiff_t)strlen(buf));
    printf("prime_ptr -> %d, edges %d %d %d\n", *prime_ptr, *edge_ptrs[0], *edge_ptrs[1], *edge_ptrs[2]);
    printf("big via pointer: %llx\n", (unsigned long long)*big_ptr);
    printf("dtab: %g %g %g %g\n", dtab[0], dtab[1], dtab[2], dtab[3]);
    printf("grid: %s %s %s, anon: %d %s %d\n", grid[0], grid[1], grid[2], anon.a, anon.b, anon.c);
    printf("list:");
    for (const struct node *p = list_head; p; p = p->next) printf(" %d", p->v);
    printf("\ndefault op: %s(7,6) = %d, global_fn(7,6) = %d\n", default_op->name,
           default_op->fn(7, 6), global_fn(7, 6));

    /* Hot loop: mutate globals through the tables and static locals. */
    uint32_t acc = 0;
    for (int i = 0; i < 20000; i++) {
        const struct op *o = &ops[i & 3];
        int p = next_prime_cycle();
        acc = acc * 31u + (uint32_t)o->fn(p, i & 255) * (uint32_t)o->weight;
        zeroed[i & 15] += popcount32(acc);
        if ((i & 1023) == 0) counter();
    }
    printf("acc = %u, counter now %d\n", acc, counter());
    printf("zeroed:");
    for (int i = 0; i < 16; i++) printf(" %d", zeroed[i]);
    printf("\n");

    /* Modify global strings and the struct through pointers; reread. */
    strcat(buf, "+changed");
    *prime_ptr = 77;
    grid[1][1] = 'E';
    global_fn = ops[3].fn;
    printf("after: buf=%s primes[3]=%d grid[1]=%s global_fn(7,6)=%d words[%d]=%s\n", buf, primes[3],
           grid[1], global_fn(7, 6), popcount32(acc) & 3, words[popcount32(acc) & 3]);

    uint32_t sum = acc;
    for (int i = 0; i < 10; i++) sum = sum * 7u + (uint32_t)primes[i];
    for (int i = 0; i < 16; i++) sum = sum * 7u + (uint32_t)zeroed[i];
    printf("checksum: %u\n", sum);
    return 0;
}
