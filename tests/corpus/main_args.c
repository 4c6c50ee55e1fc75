// corpus: main(argc, argv): reads, parses and modifies argv strings; exit code is main's return value
// args: alpha beta 42 -7 0x1F
// exit: 7
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

/* FNV-1a string hash; called many times below so it gets hot. */
static unsigned hash_str(const char *s) {
    unsigned h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

int main(int argc, char **argv) {
    /* argv[0] is the program path, which differs between runners: never print it. */
    printf("argc = %d\n", argc);
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");

    long numsum = 0;
    int words = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        long v = strtol(argv[i], &end, 0);
        int isnum = argv[i][0] != '\0' && *end == '\0';
        printf("argv[%d] = \"%s\" (len %zu) -> %s", i, argv[i], strlen(argv[i]),
               isnum ? "number" : "word");
        if (isnum) {
            printf(" %ld\n", v);
            numsum += v;
        } else {
            printf("\n");
            words++;
        }
    }
    printf("numbers sum to %ld, %d words\n", numsum, words);

    /* argv strings are writable: upper-case the words in place. */
    for (int i = 1; i < argc; i++)
        if (isalpha((unsigned char)argv[i][0]))
            for (char *p = argv[i]; *p; p++) *p = (char)toupper((unsigned char)*p);
    for (int i = 1; i < argc; i++) printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");

    /* Hot loop: rehash every argument 5000 times. */
    unsigned h = 0;
    for (int r = 0; r < 5000; r++)
        for (int i = 1; i < argc; i++) h = (h * 33u) ^ hash_str(argv[i]) ^ (unsigned)r;
    printf("checksum: %u\n", h);

    return argc + 1; /* 5 arguments + program name -> argc 6 -> exit code 7 */
}
