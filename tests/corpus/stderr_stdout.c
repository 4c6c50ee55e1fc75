// corpus: output to both stdout (buffered) and stderr (unbuffered); both streams are compared, contents deterministic
#include <stdio.h>
#include <string.h>

/* Hot: formats a record; called 8000 times. */
static int format_record(char *out, size_t cap, unsigned id, unsigned value) {
    return snprintf(out, cap, "rec#%05u value=%08x parity=%u", id, value, __builtin_parity(value));
}

/* Hot: validates a value; "errors" are reported on stderr. */
static int validate(unsigned id, unsigned value) {
    if (value % 997u == 0) {
        fprintf(stderr, "warning: record %u has value %u divisible by 997\n", id, value);
        return 0;
    }
    return 1;
}

int main(void) {
    fputs("== report on stdout ==\n", stdout);
    fputs("== diagnostics on stderr ==\n", stderr);

    char line[96];
    unsigned x = 31337u, valid = 0, bad = 0, total_len = 0;
    for (unsigned id = 0; id < 8000; id++) {
        x = x * 1664525u + 1013904223u;
        unsigned value = x >> 8;
        int len = format_record(line, sizeof line, id, value);
        total_len += (unsigned)len;
        if (validate(id, value)) valid++;
        else bad++;
        if (id % 1000 == 0) printf("%s\n", line);
        if (id % 2000 == 1999) fprintf(stderr, "progress: %u records checked, %u bad so far\n", id + 1, bad);
    }

    /* Various stdio entry points on both streams. */
    putchar('>');
    putchar('\n');
    fputc('!', stderr);
    fputc('\n', stderr);
    fwrite("fwrite to stdout\n", 1, 17, stdout);
    fwrite("fwrite to stderr\n", 1, 17, stderr);
    puts("puts adds a newline");
    fprintf(stdout, "%-10s|%10s|\n", "left", "right");
    fprintf(stderr, "%s: %d%%\n", "error rate", (int)(bad * 100u / 8000u));
    fflush(stdout);
    fprintf(stderr, "stdout flushed explicitly before this line\n");

    printf("valid %u, bad %u, total formatted length %u\n", valid, bad, total_len);
    fprintf(stderr, "done: %u warnings\n", bad);
    printf("checksum: %u\n", x ^ total_len ^ bad);
    return 0;
}
