// corpus: thread-local storage (_Thread_local / __thread) with initializers, used from 4 pthreads; printed after join
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static int shared_global = 1000;
_Thread_local int tls_counter = 100;                /* non-zero initializer (.tdata) */
static __thread uint32_t tls_acc;                   /* zero-initialized (.tbss) */
static _Thread_local int tls_arr[4] = {1, 2, 3, 4}; /* array initializer */
static _Thread_local int *tls_ptr = &shared_global; /* initializer pointing to a global */
static _Thread_local const char *tls_name = "unnamed";

/* Hot function: touches several TLS variables; each thread calls it thousands of times. */
static uint32_t tls_step(int v) {
    static _Thread_local int calls; /* function-scope thread-local */
    calls++;
    tls_counter++;
    tls_arr[v & 3] += v & 7;
    tls_acc = tls_acc * 31u + (uint32_t)tls_arr[(v >> 2) & 3] + (uint32_t)calls;
    return tls_acc;
}

static int *counter_addr(void) { return &tls_counter; } /* calling thread's instance */
static int arr_sum(void) { return tls_arr[0] + tls_arr[1] + tls_arr[2] + tls_arr[3]; }

struct result {
    int id, initial_counter, initial_arr_sum, initial_ptr_ok, counter, arr_sum, addr_differs;
    uint32_t acc;
    const char *initial_name, *name;
};
static int *main_counter_addr;
static const char *const names[] = {"t0", "t1", "t2", "t3"};

static void *worker(void *arg) {
    struct result *r = arg;
    /* A fresh thread must see the initial values, not main's modified copies. */
    r->initial_counter = tls_counter;
    r->initial_arr_sum = arr_sum();
    r->initial_ptr_ok = tls_ptr == &shared_global && *tls_ptr == 1000;
    r->initial_name = tls_name;
    tls_name = names[r->id];
    for (int i = 0; i < 4000 * (r->id + 1); i++) tls_step(i + r->id);
    r->counter = tls_counter;
    r->arr_sum = arr_sum();
    r->acc = tls_acc;
    r->addr_differs = counter_addr() != main_counter_addr;
    r->name = tls_name;
    return NULL;
}

int main(void) {
    /* Modify main's own TLS copies first. */
    main_counter_addr = counter_addr();
    tls_counter = 5;
    tls_arr[0] = 50;
    tls_name = "main";
    for (int i = 0; i < 3000; i++) tls_step(i);
    uint32_t main_acc_before = tls_acc;

    pthread_t th[4];
    struct result res[4];
    for (int i = 0; i < 4; i++) {
        res[i].id = i;
        if (pthread_create(&th[i], NULL, worker, &res[i]) != 0) return 99;
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);

    uint32_t checksum = 0;
    for (int i = 0; i < 4; i++) {
        const struct result *r = &res[i];
        printf("thread %d: initial counter %d, arr sum %d, ptr ok %d, name %s\n", r->id,
               r->initial_counter, r->initial_arr_sum, r->initial_ptr_ok, r->initial_name);
        printf("thread %d: final counter %d, arr sum %d, acc %u, name %s, own address %d\n", r->id,
               r->counter, r->arr_sum, r->acc, r->name, r->addr_differs);
        checksum = checksum * 17u + r->acc + (uint32_t)r->counter;
    }
    /* Main's TLS must be untouched by the workers. */
    printf("main: counter %d, arr sum %d, acc unchanged %d, name %s\n", tls_counter, arr_sum(),
           tls_acc == main_acc_before, tls_name);
    checksum = checksum * 17u + tls_acc;
    printf("checksum: %u\n", checksum);
    return 0;
}
