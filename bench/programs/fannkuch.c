// bench: fannkuch — the Benchmarks Game fannkuch-redux: walk all n! permutations in the standard
//        order, count pancake flips for each. Small int arrays, tight data-dependent loops.
// sizes: short n = 9, medium n = 10, long n = 11
// args: short|medium|long
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 16

/* Returns the maximum flip count; *checksum gets the alternating-sign flip checksum. */
static int fannkuch(int n, int *checksum) {
    int perm[MAXN], perm1[MAXN], count[MAXN];
    int max_flips = 0, perm_count = 0, csum = 0, r = n;

    for (int i = 0; i < n; i++) perm1[i] = i;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }
        for (int i = 0; i < n; i++) perm[i] = perm1[i];
        int flips = 0, k;
        while ((k = perm[0]) != 0) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > max_flips) max_flips = flips;
        csum += (perm_count % 2 == 0) ? flips : -flips;

        /* next permutation: rotate the first r+1 elements, counting like an odometer */
        for (;;) {
            if (r == n) {
                *checksum = csum;
                return max_flips;
            }
            int perm0 = perm1[0];
            for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            count[r]--;
            if (count[r] > 0) break;
            r++;
        }
        perm_count++;
    }
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: fannkuch [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int n_for[3] = {9, 10, 11};
    int n = n_for[size_arg(argc, argv)];
    int checksum = 0;
    int max_flips = fannkuch(n, &checksum);
    printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
    printf("checksum: %d\n", checksum);
    return 0;
}
