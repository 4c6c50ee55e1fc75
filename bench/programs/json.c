// bench: json — generates a JSON document (~300 KB: nested objects and arrays, integers,
//        decimals, strings with escapes, literals) with an LCG, then tokenizes and parses it with a
//        recursive-descent parser into a malloc'd tree, walks the tree and frees it. Character
//        scanning, branches, recursion, small allocations.
// sizes: short = 3 documents, medium = 30, long = 220
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x14057b7ef767814fULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* ---- generator ---- */
typedef struct { char *p; size_t len, cap; } Buf;
static void put(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p) exit(1);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
static void puts_(Buf *b, const char *s) { put(b, s, strlen(s)); }
static void putnum(Buf *b, int64_t v) { char t[32]; put(b, t, (size_t)snprintf(t, sizeof t, "%lld", (long long)v)); }

static const char *key_words[] = {"id", "name", "type", "value", "items", "tier", "count", "enabled",
                                  "children", "label", "weight", "tags", "source", "target", "meta"};

static void gen_string(Buf *b) {
    static const char *pieces[] = {"a", "b", "z", "tier", "flow", " ", "0", "9", "_", "\\n", "\\\"",
                                   "\\\\", "\\t", "\\u00e9", "\\u0041", "JIT", "x", "-"};
    puts_(b, "\"");
    for (int n = (int)(rnd() % 12); n > 0; n--) puts_(b, pieces[rnd() % (sizeof pieces / sizeof *pieces)]);
    puts_(b, "\"");
}

static void gen_value(Buf *b, int depth) {
    uint32_t r = rnd() % 10;
    if (depth >= 6 && r < 4) r += 4; /* bottom out */
    if (r < 2) {
        int n = (int)(rnd() % 7);
        puts_(b, "{");
        for (int i = 0; i < n; i++) {
            puts_(b, i ? ",\n" : "\n");
            puts_(b, "\"");
            puts_(b, key_words[rnd() % (sizeof key_words / sizeof *key_words)]);
            if (rnd() % 3 == 0) putnum(b, rnd() % 100);
            puts_(b, "\": ");
            gen_value(b, depth + 1);
        }
        puts_(b, n ? "\n}" : "}");
    } else if (r < 4) {
        int n = (int)(rnd() % 9);
        puts_(b, "[");
        for (int i = 0; i < n; i++) {
            if (i) puts_(b, ", ");
            gen_value(b, depth + 1);
        }
        puts_(b, "]");
    } else if (r < 6) {
        putnum(b, (int64_t)(rnd() % 2000001) - 1000000);
    } else if (r == 6) { /* decimal with up to 3 fraction digits */
        putnum(b, (int64_t)(rnd() % 20000) - 10000);
        char t[8];
        put(b, t, (size_t)snprintf(t, sizeof t, ".%u", rnd() % 1000));
    } else if (r < 9) {
        gen_string(b);
    } else {
        static const char *lits[] = {"true", "false", "null"};
        puts_(b, lits[rnd() % 3]);
    }
}

/* ---- parser ---- */
enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct Node {
    int type;
    int64_t num;          /* J_NUM: value * 1000 (fixed point); J_BOOL: 0/1 */
    char *str;            /* J_STR: decoded UTF-8 */
    size_t len;
    char *key;            /* member name when inside an object */
    struct Node *first, *next;
} Node;

typedef struct { const char *s; size_t pos; } Parser;

static void fail(Parser *p, const char *what) {
    printf("parse error at %zu: %s\n", p->pos, what);
    exit(1);
}
static void skip_ws(Parser *p) {
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\n' || p->s[p->pos] == '\t' || p->s[p->pos] == '\r') p->pos++;
}
static int hexval(Parser *p, char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    fail(p, "bad \\u escape");
    return 0;
}

static char *parse_string(Parser *p, size_t *len_out) { /* at the opening quote */
    size_t start = ++p->pos, n = 0;
    while (p->s[p->pos] != '"') { /* first pass: find the end, bound the decoded size */
        if (p->s[p->pos] == '\0') fail(p, "unterminated string");
        if (p->s[p->pos] == '\\') p->pos++;
        p->pos++;
    }
    char *out = malloc(p->pos - start + 1);
    if (!out) exit(1);
    for (size_t i = start; i < p->pos; i++) {
        char c = p->s[i];
        if (c != '\\') { out[n++] = c; continue; }
        c = p->s[++i];
        switch (c) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case '"': case '\\': case '/': out[n++] = c; break;
        case 'u': {
            int cp = 0;
            for (int k = 0; k < 4; k++) cp = cp * 16 + hexval(p, p->s[++i]);
            if (cp < 0x80) out[n++] = (char)cp;
            else if (cp < 0x800) { out[n++] = (char)(0xc0 | cp >> 6); out[n++] = (char)(0x80 | (cp & 0x3f)); }
            else fail(p, "code point out of range for this parser");
            break;
        }
        default: fail(p, "bad escape");
        }
    }
    p->pos++;
    out[n] = '\0';
    *len_out = n;
    return out;
}

static Node *parse_value(Parser *p, int depth) {
    if (depth > 64) fail(p, "too deep");
    skip_ws(p);
    Node *node = calloc(1, sizeof *node);
    if (!node) exit(1);
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        node->type = c == '{' ? J_OBJ : J_ARR;
        char close = c == '{' ? '}' : ']';
        Node **tail = &node->first;
        p->pos++;
        skip_ws(p);
        if (p->s[p->pos] == close) { p->pos++; return node; }
        for (;;) {
            char *key = NULL;
            size_t klen;
            if (node->type == J_OBJ) {
                skip_ws(p);
                if (p->s[p->pos] != '"') fail(p, "expected key");
                key = parse_string(p, &klen);
                skip_ws(p);
                if (p->s[p->pos++] != ':') fail(p, "expected ':'");
            }
            *tail = parse_value(p, depth + 1);
            (*tail)->key = key;
            tail = &(*tail)->next;
            skip_ws(p);
            if (p->s[p->pos] == ',') { p->pos++; continue; }
            if (p->s[p->pos++] != close) fail(p, "expected ',' or close");
            return node;
        }
    }
    if (c == '"') {
        node->type = J_STR;
        node->str = parse_string(p, &node->len);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        int neg = c == '-';
        int64_t v = 0, frac = 0;
        if (neg) p->pos++;
        while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') v = v * 10 + (p->s[p->pos++] - '0');
        if (p->s[p->pos] == '.') {
            int digits = 0;
            for (p->pos++; p->s[p->pos] >= '0' && p->s[p->pos] <= '9'; p->pos++, digits++)
                if (digits < 3) frac = frac * 10 + (p->s[p->pos] - '0');
            for (; digits < 3; digits++) frac *= 10;
        }
        node->type = J_NUM;
        node->num = (neg ? -1 : 1) * (v * 1000 + frac);
    } else if (strncmp(p->s + p->pos, "true", 4) == 0 || strncmp(p->s + p->pos, "false", 5) == 0) {
        node->type = J_BOOL;
        node->num = c == 't';
        p->pos += c == 't' ? 4 : 5;
    } else if (strncmp(p->s + p->pos, "null", 4) == 0) {
        node->type = J_NULL;
        p->pos += 4;
    } else {
        fail(p, "unexpected character");
    }
    return node;
}

/* ---- walk ---- */
typedef struct { uint64_t hash; uint64_t nodes; int64_t sum; int max_depth; } Stats;

static uint64_t fnv(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    return h;
}

static void walk(const Node *n, int depth, Stats *st) {
    st->nodes++;
    if (depth > st->max_depth) st->max_depth = depth;
    if (n->key) st->hash = fnv(st->hash, n->key, strlen(n->key));
    st->hash = (st->hash ^ (uint64_t)n->type) * 0x100000001b3ULL;
    if (n->type == J_NUM || n->type == J_BOOL) st->sum += n->num;
    if (n->type == J_STR) st->hash = fnv(st->hash, n->str, n->len);
    for (const Node *c = n->first; c; c = c->next) walk(c, depth + 1, st);
}

static void free_tree(Node *n) {
    while (n) {
        Node *next = n->next;
        free_tree(n->first);
        free(n->key);
        free(n->str);
        free(n);
        n = next;
    }
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: json [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int docs_for[3] = {3, 30, 220};
    int docs = docs_for[size_arg(argc, argv)];
    Stats st = {0xcbf29ce484222325ULL, 0, 0, 0};
    uint64_t bytes = 0;
    for (int d = 0; d < docs; d++) {
        Buf b = {0};
        puts_(&b, "[");
        for (int i = 0; b.len < 300000; i++) {
            if (i) puts_(&b, ",\n");
            gen_value(&b, 0);
        }
        puts_(&b, "]");
        bytes += b.len;
        Parser p = {b.p, 0};
        Node *root = parse_value(&p, 0);
        skip_ws(&p);
        if (p.s[p.pos] != '\0') fail(&p, "trailing characters");
        walk(root, 0, &st);
        free_tree(root);
        free(b.p);
    }
    printf("documents = %d, bytes = %llu, nodes = %llu, max depth = %d, number sum = %lld\n", docs,
           (unsigned long long)bytes, (unsigned long long)st.nodes, st.max_depth, (long long)st.sum);
    printf("checksum: %llu\n", (unsigned long long)(st.hash ^ st.nodes ^ (uint64_t)st.sum));
    return 0;
}
