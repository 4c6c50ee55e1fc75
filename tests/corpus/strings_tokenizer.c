// corpus: string processing: strlen/strcmp/strncmp/memcpy/memset/strtol/strtod/snprintf/strchr/strstr and a tokenizer
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { T_IDENT, T_KEYWORD, T_INT, T_FLOAT, T_STRING, T_OP, T_COUNT };
static const char *const kind_names[T_COUNT] = {"ident", "keyword", "int", "float", "string", "op"};
static const char *const keywords[] = {"if", "else", "while", "return", "int", "for"};

struct token { enum kind kind; char text[32]; long ival; double fval; };

static int is_keyword(const char *s) {
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(s, keywords[i]) == 0) return 1;
    return 0;
}

/* Reads one token starting at *pp; returns 0 at end of input. Hot: called ~60000 times. */
static int next_token(const char **pp, struct token *t) {
    const char *p = *pp;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) return 0;
    memset(t, 0, sizeof *t);
    const char *start = p;
    if (isalpha((unsigned char)*p) || *p == '_') {
        while (isalnum((unsigned char)*p) || *p == '_') p++;
        t->kind = T_IDENT;
    } else if (isdigit((unsigned char)*p)) {
        char *end;
        t->ival = strtol(p, &end, 0); /* handles 0x.. hex and 0.. octal */
        if (*end == '.' || *end == 'e') {
            t->fval = strtod(p, &end);
            t->kind = T_FLOAT;
        } else {
            t->kind = T_INT;
        }
        p = end;
    } else if (*p == '"') {
        const char *close = strchr(p + 1, '"');
        p = close ? close + 1 : p + strlen(p);
        t->kind = T_STRING;
    } else {
        static const char *const two_char_ops[] = {"==", "!=", "<=", ">=", "&&", "||", "->"};
        p++;
        for (size_t i = 0; i < 7; i++)
            if (strncmp(start, two_char_ops[i], 2) == 0) { p = start + 2; break; }
        t->kind = T_OP;
    }
    size_t len = (size_t)(p - start);
    if (len >= sizeof t->text) len = sizeof t->text - 1;
    memcpy(t->text, start, len);
    t->text[len] = '\0';
    if (t->kind == T_IDENT && is_keyword(t->text)) t->kind = T_KEYWORD;
    *pp = p;
    return 1;
}

static const char *const source =
    "int main() { int x = 0x1F + 017; double y = 3.25e2; if (x >= 10 && y != 0) "
    "return x * 2; else { while (x -> y) x = x - 1; } char *s = \"hi there\"; for (;;) {} }";

int main(void) {
    int counts[T_COUNT] = {0};
    long isum = 0;
    double fsum = 0;
    unsigned h = 5381;
    struct token t;

    /* Hot loop: tokenize the source 1000 times. */
    for (int rep = 0; rep < 1000; rep++) {
        const char *p = source;
        while (next_token(&p, &t)) {
            counts[t.kind]++;
            if (t.kind == T_INT) isum += t.ival;
            if (t.kind == T_FLOAT) fsum += t.fval;
            for (const char *c = t.text; *c; c++) h = h * 33u ^ (unsigned char)*c;
        }
    }
    for (int k = 0; k < T_COUNT; k++) printf("%-8s %d\n", kind_names[k], counts[k]);
    printf("int sum %ld, float sum %.17g\n", isum, fsum);

    /* Print the first tokens once. */
    const char *p = source;
    char line[256];
    size_t used = 0;
    for (int i = 0; i < 16 && next_token(&p, &t); i++)
        used += (size_t)snprintf(line + used, sizeof line - used, "[%s:%s]", kind_names[t.kind], t.text);
    printf("%s\n", line);

    /* Assorted library calls. */
    char buf[64];
    memset(buf, '-', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    memcpy(buf + 4, "copy", 4);
    memmove(buf + 6, buf + 4, 6); /* overlapping */
    printf("buf: %.20s len %zu\n", buf, strlen(buf));
    const char *found = strstr(source, "while");
    printf("strstr offset %td, strrchr '=' offset %td\n", found - source, strrchr(source, '=') - source);
    printf("strcmp: %d %d %d, strncmp: %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0,
           strcmp("same", "same"), strncmp("prefix-a", "prefix-b", 6));
    char *end;
    printf("strtol: %ld %ld %ld, strtoul: %lu\n", strtol("-123xyz", &end, 10), strtol("ff", NULL, 16),
           strtol("  0777", NULL, 0), strtoul("4294967295", NULL, 10));
    printf("rest after -123: \"%s\"\n", end);
    int n = snprintf(buf, 10, "%s-%05d-%x", "truncate", 42, 255u);
    printf("snprintf returned %d, wrote \"%s\"\n", n, buf);
    printf("checksum: %u\n", h);
    return 0;
}
