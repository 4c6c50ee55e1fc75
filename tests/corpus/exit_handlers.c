// corpus: exit handlers as glibc runs them: atexit and on_exit (given the status) newest first, a handler registered while they run, a handler that calls exit again (its status wins), then destructors; buffered output flushed
// exit: 9
#include <stdio.h>
#include <stdlib.h>

static unsigned long work;

static unsigned long step(unsigned long x) { return x * 6364136223846793005ul + 1442695040888963407ul; }

static void last(void) { printf("last: registered first, runs last (work %lu)\n", work % 1000); }
static void late(void) { printf("late: registered by a handler while exit ran\n"); }
static void status_seen(int status, void *arg) { printf("on_exit handler: status %d, arg %s\n", status, (const char *)arg); }
static void exits_again(void) {
    printf("exits_again: registers late, then calls exit(9)\n");
    atexit(late);
    exit(9);
}
static void first(void) { printf("first: registered last, runs first\n"); }
__attribute__((destructor)) static void dtor(void) { printf("destructor, after every handler; no newline at the end"); }

int main(void) {
    atexit(last);
    on_exit(status_seen, "hello");
    atexit(exits_again);
    atexit(first);
    unsigned long x = 1;
    for (int i = 0; i < 200000; i++) { x = step(x); work += x >> 60; }
    printf("main returns 3\n");
    return 3;
}
