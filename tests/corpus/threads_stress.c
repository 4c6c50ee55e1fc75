// corpus: 2 to 16 threads call hot functions (direct calls, function pointers, recursion) while their tiers swap; every thread's result is checked against main's
// args: 16
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int add3(int x) { return x + 3; }
static int mul5(int x) { return x * 5; }
static int xor7(int x) { return x ^ 7; }
static int (*const ops[3])(int) = {add3, mul5, xor7};

static int fibr(int n) { return n < 2 ? n : fibr(n - 1) + fibr(n - 2); }

static unsigned mix(unsigned h, unsigned v) {
    h ^= v;
    return h * 16777619u;
}

static unsigned long long work(int id, int iters) {
    unsigned h = 2166136261u ^ (unsigned)id;
    unsigned long long sum = 0;
    for (int i = 0; i < iters; i++) {
        int v = ops[(i + id) % 3](i);          /* through a function pointer */
        h = mix(h, (unsigned)v);               /* a direct call */
        if (i % 64 == 0) sum += (unsigned long long)fibr(8 + (i / 64 + id) % 7); /* recursion */
    }
    return sum * 1000003ull ^ h;
}

struct job {
    int id, iters;
    unsigned long long result;
};

static void *run(void *p) {
    struct job *j = p;
    j->result = work(j->id, j->iters);
    return NULL;
}

int main(int argc, char **argv) {
    int max = argc > 1 ? atoi(argv[1]) : 16;
    if (max < 2) max = 2;
    if (max > 16) max = 16;
    unsigned long long checksum = 0;
    for (int n = 2; n <= max; n *= 2) {
        pthread_t t[16];
        struct job jobs[16];
        for (int k = 0; k < n; k++) {
            jobs[k].id = n * 100 + k;
            jobs[k].iters = 1500 + 100 * k;
            if (pthread_create(&t[k], NULL, run, &jobs[k]) != 0) { puts("pthread_create failed"); return 2; }
        }
        for (int k = 0; k < n; k++) pthread_join(t[k], NULL);
        for (int k = 0; k < n; k++) {
            unsigned long long expected = work(jobs[k].id, jobs[k].iters); /* main computes it again, on its own */
            if (jobs[k].result != expected) {
                printf("thread %d of %d: %llu, expected %llu\n", k, n, jobs[k].result, expected);
                return 1;
            }
            checksum = checksum * 31 + jobs[k].result;
        }
        printf("%d threads: ok\n", n);
    }
    printf("checksum: %llu\n", checksum);
    return 0;
}
