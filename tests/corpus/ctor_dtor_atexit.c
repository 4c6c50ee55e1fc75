// corpus: __attribute__((constructor/destructor)) with priorities plus atexit handlers: exact output order
#include <stdio.h>
#include <stdlib.h>

static unsigned table[4096]; /* filled by a constructor through a hot function */
static int ctor_trace;       /* digits record the order constructors ran in */

/* Hot helper used by a constructor (4096 calls) and by main (more calls). */
static unsigned mix(unsigned x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    return x;
}

static void handler_from_ctor(void) { printf("atexit handler registered by constructor 102\n"); }
static void handler1(void) { printf("atexit handler 1 (registered first in main)\n"); }
static void handler2(void) { printf("atexit handler 2\n"); }
static void handler3(void) {
    unsigned s = 0;
    for (unsigned i = 0; i < 4096; i++) s += mix(table[i]);
    printf("atexit handler 3 (registered last): recomputed sum %u\n", s);
}

__attribute__((constructor(101))) static void ctor101(void) {
    ctor_trace = ctor_trace * 10 + 1;
    printf("constructor 101 (runs first)\n");
}

__attribute__((constructor(102))) static void ctor102(void) {
    ctor_trace = ctor_trace * 10 + 2;
    for (unsigned i = 0; i < 4096; i++) table[i] = mix(i + 1);
    atexit(handler_from_ctor);
    printf("constructor 102 filled table, table[4095] = %u\n", table[4095]);
}

__attribute__((constructor(300))) static void ctor300(void) {
    ctor_trace = ctor_trace * 10 + 3;
    printf("constructor 300\n");
}

/* No priority: runs after all prioritized constructors. */
__attribute__((constructor)) static void ctor_default(void) {
    ctor_trace = ctor_trace * 10 + 4;
    printf("constructor without priority\n");
}

/* Destructors run after the atexit handlers; higher priority numbers run first. */
__attribute__((destructor(101))) static void dtor101(void) { printf("destructor 101 (runs last)\n"); }
__attribute__((destructor(102))) static void dtor102(void) { printf("destructor 102\n"); }
__attribute__((destructor(300))) static void dtor300(void) { printf("destructor 300\n"); }
__attribute__((destructor)) static void dtor_default(void) {
    printf("destructor without priority, ctor trace %d\n", ctor_trace);
}

int main(void) {
    printf("main starts, ctor trace %d\n", ctor_trace);
    atexit(handler1);
    atexit(handler2);
    atexit(handler3);
    unsigned s = 0;
    for (int r = 0; r < 5; r++)
        for (unsigned i = 0; i < 4096; i++) s = s * 3u + mix(table[i] ^ (unsigned)r);
    printf("main checksum: %u\n", s);
    printf("main returns 0\n");
    return 0;
}
