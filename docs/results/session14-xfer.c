#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) static unsigned work(unsigned *a, int n) {
    unsigned s = 0;
    for (int i = 0; i < n; i++) s += a[i] * 3u + (s >> 3);
    return s;
}
unsigned (*volatile fp)(unsigned *, int) = work;
int main(int argc, char **argv) {
    int calls = argc > 1 ? atoi(argv[1]) : 200000;
    unsigned a[64];
    for (int i = 0; i < 64; i++) a[i] = i * 2654435761u;
    unsigned s = 0;
    /* first call loops long enough to ask for the continuation */
    unsigned big[20000];
    for (int i = 0; i < 20000; i++) big[i] = i;
    s += fp(big, 20000);
    for (int c = 0; c < calls; c++) s += fp(a, 16 + (c & 7));
    printf("%u\n", s);
    return 0;
}
