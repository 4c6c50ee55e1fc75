// corpus: sorting: recursive quicksort, top-down mergesort, insertion sort and qsort on LCG data; verified and checksummed
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 6000

static uint32_t lcg_state = 12345u;
static uint32_t lcg(void) { return lcg_state = lcg_state * 1664525u + 1013904223u; }

static unsigned long compares; /* counted in less(): the hottest function */
static int less(int a, int b) { compares++; return a < b; }
static void swap(int *a, int *b) { int t = *a; *a = *b; *b = t; }

static void insertion_sort(int *a, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && less(a[j], a[j - 1]); j--) swap(&a[j], &a[j - 1]);
}

/* Quicksort: median-of-three pivot, Hoare-style partition, insertion sort for small ranges. */
static void quicksort(int *a, int lo, int hi) { /* sorts a[lo..hi] inclusive */
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        if (less(a[mid], a[lo])) swap(&a[mid], &a[lo]);
        if (less(a[hi], a[lo])) swap(&a[hi], &a[lo]);
        if (less(a[hi], a[mid])) swap(&a[hi], &a[mid]);
        int pivot = a[mid], i = lo, j = hi;
        while (i <= j) {
            while (less(a[i], pivot)) i++;
            while (less(pivot, a[j])) j--;
            if (i <= j) { swap(&a[i], &a[j]); i++; j--; }
        }
        /* Recurse into the smaller part, loop on the larger one. */
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion_sort(a + lo, hi - lo + 1);
}

/* Top-down mergesort using a scratch buffer. */
static void merge_sort(int *a, int *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    merge_sort(a, tmp, h);
    merge_sort(a + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = less(a[j], a[i]) ? a[j++] : a[i++]; /* stable */
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

static int cmp_int(const void *pa, const void *pb) {
    int a = *(const int *)pa, b = *(const int *)pb;
    return (a > b) - (a < b);
}
static int is_sorted(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i] < a[i - 1]) return 0;
    return 1;
}
static uint64_t checksum_of(const int *a, int n) {
    uint64_t h = 0;
    for (int i = 0; i < n; i++) h = h * 1000003u + (uint32_t)a[i];
    return h;
}

int main(void) {
    static int orig[N], q[N], m[N], s[N], tmp[N];
    for (int round = 0; round < 3; round++) {
        /* round 0: random, round 1: many duplicates, round 2: nearly sorted descending */
        for (int i = 0; i < N; i++) {
            uint32_t r = lcg();
            orig[i] = round == 0 ? (int)(r >> 1) - (1 << 30) : round == 1 ? (int)(r % 50) : N - i + (int)(r % 8);
        }
        memcpy(q, orig, sizeof orig);
        memcpy(m, orig, sizeof orig);
        memcpy(s, orig, sizeof orig);
        compares = 0;
        quicksort(q, 0, N - 1);
        unsigned long qc = compares;
        compares = 0;
        merge_sort(m, tmp, N);
        unsigned long mc = compares;
        qsort(s, N, sizeof s[0], cmp_int);
        int same = memcmp(q, s, sizeof q) == 0 && memcmp(m, s, sizeof m) == 0;
        printf("round %d: sorted q=%d m=%d, agree with qsort %d, min %d max %d median %d\n", round,
               is_sorted(q, N), is_sorted(m, N), same, q[0], q[N - 1], q[N / 2]);
        printf("round %d: compares quicksort %lu mergesort %lu, checksum %llu\n", round, qc, mc,
               (unsigned long long)checksum_of(q, N));
    }
    /* Small arrays sorted many times: insertion sort gets hot. */
    uint64_t small = 0;
    for (int r = 0; r < 2000; r++) {
        int a[12];
        for (int i = 0; i < 12; i++) a[i] = (int)(lcg() % 1000);
        insertion_sort(a, 12);
        small = small * 31u + (uint64_t)(a[0] + a[11] * 1000);
    }
    printf("small sorts: %llu\n", (unsigned long long)small);
    printf("checksum: %llu\n", (unsigned long long)(checksum_of(q, N) ^ small));
    return 0;
}
