/* One function of 20,000 statements (macro-expanded): compiling it at every tier must not crash or hang. */
#include <stdio.h>
#define S1 x = x * 6364136223846793005ull + 1442695040888963407ull; y ^= x >> 29;
#define S10 S1 S1 S1 S1 S1 S1 S1 S1 S1 S1
#define S100 S10 S10 S10 S10 S10 S10 S10 S10 S10 S10
#define S1000 S100 S100 S100 S100 S100 S100 S100 S100 S100 S100
unsigned long long huge(unsigned long long x) {
    unsigned long long y = 0;
    S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000
    S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000 S1000
    return x ^ y;
}
int main(void) {
    unsigned long long s = 0;
    for (int i = 0; i < 200; i++) s += huge((unsigned long long)i);
    printf("checksum: %llu\n", s);
    return 0;
}
