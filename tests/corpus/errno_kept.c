// corpus: errno survives calls that tier up: strtol's ERANGE and log's EDOM are read after a call whose countdown runs out (the runtime's callbacks make system calls), thousands of times
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
static long twice(long x) { return 2 * x; }
static long thrice(long x) { return 3 * x + twice(x) % 5; }
int main(void) {
    long kept = 0, sum = 0;
    for (int i = 0; i < 3000; i++) {
        errno = 0;
        long v = strtol("99999999999999999999999", 0, 10);  /* sets errno = ERANGE */
        sum += thrice(i) + (v > 0);                          /* a call whose countdown may run out */
        if (errno == ERANGE) kept++;
        errno = 0;
        double d = log(-1.0 * (i + 1));                      /* EDOM */
        sum += twice(i) + (d != d);
        if (errno == EDOM) kept++;
    }
    printf("kept %ld of 6000, sum %ld\n", kept, sum);
    return 0;
}
