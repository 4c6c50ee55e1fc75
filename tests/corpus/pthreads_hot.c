// corpus: 4 pthreads call the same hot function 20000x each directly and via a function pointer; mutex counter
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define ITERS 20000

/* The shared hot function (a 32-bit mixer). */
static uint32_t hot(uint32_t x, uint32_t k) {
    x ^= k + 0x9e3779b9u + (x << 6) + (x >> 2);
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return x;
}
/* A second hot function that calls the first (so callers and callees get recompiled). */
static uint32_t hot2(uint32_t x, uint32_t k) { return hot(x, k) + hot(k, x) * 3u; }

/* Called through a volatile pointer: the compiler cannot turn these into direct calls. */
static uint32_t (*volatile hot_ptr)(uint32_t, uint32_t) = hot;
static uint32_t (*volatile hot2_ptr)(uint32_t, uint32_t) = hot2;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start_line;
static long shared_counter;     /* protected by lock */
static uint64_t shared_sum;     /* protected by lock; only commutative updates: deterministic */

struct job { int id; uint32_t direct, via_ptr, mixed; int mismatches; };

static void *worker(void *arg) {
    struct job *j = arg;
    uint32_t a = (uint32_t)j->id * 1000003u, b = a, c = a;
    pthread_barrier_wait(&start_line); /* all threads start hammering at once */
    for (uint32_t i = 0; i < ITERS; i++) {
        a = hot(a, i);
        b = hot_ptr(b, i);
        if (a != b) j->mismatches++;
        c = (i & 1) ? hot2(c, i) : hot2_ptr(c, i);
        if ((i & 31) == 0) {
            pthread_mutex_lock(&lock);
            shared_counter++;
            shared_sum += a ^ c;
            pthread_mutex_unlock(&lock);
        }
    }
    j->direct = a;
    j->via_ptr = b;
    j->mixed = c;
    return NULL;
}

int main(void) {
    pthread_t th[NTHREADS];
    struct job jobs[NTHREADS] = {{0}};
    pthread_barrier_init(&start_line, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i].id = i + 1;
        if (pthread_create(&th[i], NULL, worker, &jobs[i]) != 0) return 99;
    }
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start_line);

    /* Recompute thread 1's chain single-threaded to cross-check. */
    uint32_t check = 1000003u;
    for (uint32_t i = 0; i < ITERS; i++) check = hot(check, i);

    uint64_t checksum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        printf("thread %d: direct %u via_ptr %u mixed %u mismatches %d\n", jobs[i].id,
               jobs[i].direct, jobs[i].via_ptr, jobs[i].mixed, jobs[i].mismatches);
        checksum = checksum * 1000003u + jobs[i].direct + jobs[i].mixed;
    }
    printf("thread 1 matches single-threaded recompute: %d\n", check == jobs[0].direct);
    printf("shared counter %ld (expected %d), shared sum %llu\n", shared_counter,
           NTHREADS * (ITERS / 32), (unsigned long long)shared_sum);
    printf("checksum: %llu\n", (unsigned long long)(checksum ^ shared_sum));
    return 0;
}
