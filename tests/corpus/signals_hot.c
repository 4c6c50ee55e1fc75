// corpus: signal handlers that run hot code: a 200 µs interval timer whose SIGALRM handler calls hot functions while main's loops and callees tier up (and so lands inside the runtime's callbacks), raise() from a hot loop with a handler that loops (OSR inside a handler), sigqueue with SA_SIGINFO, a handler for a signal blocked and then released
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static volatile long timer_acc;
static volatile unsigned long usr1_acc, usr2_sum, released;

static unsigned long mix(unsigned long x) {
    x ^= x >> 13;
    x *= 0x5bd1e995;
    return x ^ (x >> 15);
}

static long square_sum(long n) {
    long s = 0;
    for (long i = 0; i < n; i++) s += (i * i) % 1009;
    return s;
}

static void on_alarm(int sig) {
    (void)sig;
    ticks++;
    long a = 0;
    for (int i = 0; i < 40; i++) a += (long)(mix((unsigned long)ticks * 64 + i) & 7);
    timer_acc += a;
}

/* Runs a loop long enough to ask for an OSR continuation from inside the handler. */
static void on_usr1(int sig) {
    (void)sig;
    usr1_acc += (unsigned long)square_sum(3000) + mix(usr1_acc);
}

static void on_usr2(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    usr2_sum += (unsigned long)info->si_value.sival_int * 3 + mix((unsigned long)info->si_value.sival_int) % 5;
}

static void on_hup(int sig) {
    (void)sig;
    released += mix(41);
}

static long work(long x) {
    long s = 0;
    for (int i = 0; i < 30; i++) s += (long)(mix((unsigned long)x + i) % 13);
    return s;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, 0);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, 0);
    struct sigaction si;
    memset(&si, 0, sizeof si);
    si.sa_sigaction = on_usr2;
    si.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR2, &si, 0);

    struct itimerval it = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &it, 0);

    long total = 0;
    for (long i = 0; i < 300000; i++) {
        total += work(i);
        if (i % 20000 == 7) raise(SIGUSR1); /* delivered before raise returns */
        if (i % 30000 == 11) {
            union sigval v;
            v.sival_int = (int)(i % 1000);
            sigqueue(getpid(), SIGUSR2, v);
        }
    }

    /* Blocked while pending, run when released: exactly once. */
    sigset_t hup, old;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, &old);
    raise(SIGHUP);
    raise(SIGHUP);
    unsigned long before = released;
    sigprocmask(SIG_SETMASK, &old, 0);

    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("work %ld\n", total);
    printf("usr1 %lu, usr2 %lu\n", usr1_acc, usr2_sum);
    printf("hup while blocked %lu, after %lu\n", before, released);
    printf("timer handler ran: %s\n", ticks > 0 ? "yes" : "no");
    printf("checksum: %lu\n", ((unsigned long)total + usr1_acc + usr2_sum + released) % 1000003);
    return 0;
}
