// bench: sort — quicksort (median of three, insertion sort below 16), top-down mergesort and
//        heapsort over the same 50,000 LCG-generated ints per round; each result is verified
//        sorted and equal to the others. Branchy compares, swaps, recursion, array copies.
// sizes: short = 3 rounds, medium = 35 rounds, long = 220 rounds
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT 50000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static void insertion_sort(int32_t *a, int n) {
    for (int i = 1; i < n; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int i, int j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quick_sort(int32_t *a, int lo, int hi) { /* sorts a[lo..hi] inclusive */
    while (hi - lo >= 16) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) swap(a, i++, j--);
        }
        /* recurse into the smaller half, loop on the larger: stack depth O(log n) */
        if (j - lo < hi - i) {
            quick_sort(a, lo, j);
            lo = i;
        } else {
            quick_sort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a + lo, hi - lo + 1);
}

static void merge_sort(int32_t *a, int32_t *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = (a[j] < a[i]) ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

static void sift_down(int32_t *a, int root, int n) {
    int32_t v = a[root];
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n) break;
        if (child + 1 < n && a[child + 1] > a[child]) child++;
        if (a[child] <= v) break;
        a[root] = a[child];
        root = child;
    }
    a[root] = v;
}

static void heap_sort(int32_t *a, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) sift_down(a, i, n);
    for (int end = n - 1; end > 0; end--) {
        swap(a, 0, end);
        sift_down(a, 0, end);
    }
}

static int is_sorted(const int32_t *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: sort [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int rounds_for[3] = {3, 35, 220};
    int rounds = rounds_for[size_arg(argc, argv)];
    int32_t *orig = malloc(COUNT * sizeof *orig), *q = malloc(COUNT * sizeof *q);
    int32_t *m = malloc(COUNT * sizeof *m), *h = malloc(COUNT * sizeof *h), *tmp = malloc(COUNT * sizeof *tmp);
    if (!orig || !q || !m || !h || !tmp) return 1;

    uint64_t checksum = 0;
    for (int r = 0; r < rounds; r++) {
        /* every third round uses a narrow value range, so there are many duplicates */
        uint32_t range = (r % 3 == 2) ? 1000u : 2000000000u;
        for (int i = 0; i < COUNT; i++) orig[i] = (int32_t)(rnd() % range) - (int32_t)(range / 2);
        memcpy(q, orig, COUNT * sizeof *q);
        memcpy(m, orig, COUNT * sizeof *m);
        memcpy(h, orig, COUNT * sizeof *h);
        quick_sort(q, 0, COUNT - 1);
        merge_sort(m, tmp, COUNT);
        heap_sort(h, COUNT);
        if (!is_sorted(q, COUNT) || memcmp(q, m, COUNT * sizeof *q) != 0 || memcmp(q, h, COUNT * sizeof *q) != 0) {
            printf("round %d: sort results disagree\n", r);
            return 1;
        }
        for (int i = 0; i < COUNT; i += 97) checksum = checksum * 31u + (uint32_t)q[i];
    }
    printf("rounds = %d, elements = %d, sorted and verified\n", rounds, COUNT);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    free(orig);
    free(q);
    free(m);
    free(h);
    free(tmp);
    return 0;
}
