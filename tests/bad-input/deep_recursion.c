/* Unbounded recursion: the guest's stack overflows. Natively this is SIGSEGV; under Tierflow it must be the
   same signal, never reported as a failure of the JIT. */
#include <stdio.h>
static volatile int sink;
int down(int n) {
    volatile char pad[256];
    pad[n & 255] = (char)n;
    sink = pad[(n * 7) & 255];
    return down(n + 1) + 1;
}
int main(void) {
    puts("descending");
    fflush(stdout);
    return down(0);
}
