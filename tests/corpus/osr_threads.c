// corpus: OSR in a thread function run once per thread: 4 pthreads start at a barrier, each runs one long hot loop over per-thread locals and a private buffer, plus a nested loop; results combined by index and under a mutex
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define ITERS 150000
#define BUF 1024
#define GRID 48

static pthread_barrier_t start_line;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t combined_xor; /* protected by lock; xor is commutative: deterministic */
static long combined_count;   /* protected by lock */

struct result {
    int id;
    uint32_t h;
    int64_t isum;
    double dsum;
    uint32_t buf_fold;
    int64_t grid_trace;
};

static struct result results[NTHREADS];

static void *worker(void *arg) {
    struct result *res = arg;
    int id = res->id;
    uint32_t buf[BUF];        /* thread-private buffer (on this thread's stack) */
    int32_t grid[GRID][GRID]; /* for the nested loop */
    for (int i = 0; i < BUF; i++) buf[i] = (uint32_t)(i * (id + 3));

    uint32_t lcg = 1000u + (uint32_t)id * 7919u;
    uint32_t h = 2166136261u;
    int64_t isum = 0;
    double dsum = 0.0;
    int flips = 0;

    pthread_barrier_wait(&start_line);

    /* The long hot loop: cheap work over locals and the private buffer. */
    for (int it = 0; it < ITERS; it++) {
        lcg = lcg * 1664525u + 1013904223u;
        uint32_t r = lcg >> 16;
        uint32_t idx = r & (BUF - 1);
        buf[idx] = buf[idx] * 33u + r;
        h = (h ^ buf[idx]) * 16777619u;
        isum += (int64_t)(r & 0xff) - 127 + id;
        if ((r & 0x3ff) == 0) flips++;
        dsum += (double)(r & 63) * 0.0625;
    }

    /* A nested loop: a small integer stencil repeated a few times. */
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) grid[i][j] = (int32_t)((buf[(i * GRID + j) & (BUF - 1)] >> 20) & 0xff);
    for (int rep = 0; rep < 6; rep++)
        for (int i = 1; i < GRID - 1; i++)
            for (int j = 1; j < GRID - 1; j++)
                grid[i][j] = (grid[i - 1][j] + grid[i + 1][j] + grid[i][j - 1] + grid[i][j + 1] + 4 * grid[i][j] + id) / 8;
    int64_t trace = 0;
    for (int i = 0; i < GRID; i++) trace += grid[i][i] * (i + 1);

    uint32_t fold = 0;
    for (int i = 0; i < BUF; i++) fold = fold * 31u + buf[i];

    res->h = h;
    res->isum = isum + flips;
    res->dsum = dsum;
    res->buf_fold = fold;
    res->grid_trace = trace;

    pthread_mutex_lock(&lock);
    combined_xor ^= (uint64_t)h << (id * 8);
    combined_count += ITERS;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void) {
    pthread_t th[NTHREADS];
    pthread_barrier_init(&start_line, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        results[i].id = i;
        if (pthread_create(&th[i], NULL, worker, &results[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start_line);

    uint64_t chk = 1469598103934665603ull;
    for (int i = 0; i < NTHREADS; i++) {
        const struct result *r = &results[i];
        printf("thread %d: h %u isum %lld dsum %.17g fold %u trace %lld\n", r->id, r->h, (long long)r->isum, r->dsum,
               r->buf_fold, (long long)r->grid_trace);
        chk = (chk ^ r->h ^ ((uint64_t)r->buf_fold << 32)) * 1099511628211ull;
        chk = (chk ^ (uint64_t)r->isum ^ (uint64_t)r->grid_trace) * 1099511628211ull;
    }
    printf("combined: xor %llu count %ld\n", (unsigned long long)combined_xor, combined_count);
    chk = (chk ^ combined_xor) * 1099511628211ull;
    printf("checksum: %llu\n", (unsigned long long)chk);
    return 0;
}
