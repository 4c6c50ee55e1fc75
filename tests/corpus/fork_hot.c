// corpus: fork while functions are tiering up: each child keeps calling the hot functions (countdowns run out, loops ask for OSR) with the compile workers gone, and ends with _exit (exit in a child: PublishedCliTests); the parent checks each child and goes on tiering
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static long work(long x) {
    long s = 0;
    for (int i = 0; i < 100; i++) s += (x * i) % 7;
    return s;
}

static long run(int n, int salt) {
    long t = 0;
    for (int i = 0; i < n; i++) t += work(i + salt);
    return t;
}

int main(void) {
    long before = run(500, 0); /* warm: tier-ups queued or compiling around the first fork */
    fflush(stdout);
    for (int k = 0; k < 4; k++) {
        pid_t p = fork();
        if (p < 0) {
            perror("fork");
            return 1;
        }
        if (p == 0) {
            long r = run(100000, k);
            printf("child %d: %ld\n", k, r);
            fflush(stdout);
            _exit(0);
        }
        int status;
        waitpid(p, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("child %d failed\n", k);
            return 1;
        }
    }
    long after = run(100000, 9);
    printf("parent: %ld %ld\n", before, after);
    printf("checksum: %ld\n", (before + after) % 1000003);
    return 0;
}
