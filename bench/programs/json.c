// bench: json — generates a JSON document (~300 KB: nested objects and arrays, integers,
//        decimals, strings with escapes, literals) with an LCG, tokenizes it (a lexer with one token
//        of lookahead), parses it by recursive descent into a malloc'd tree, walks the tree and frees
//        it. Character scanning, branches, recursion, small allocations.
// sizes: short = 4 documents, medium = 50, long = 330
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
        if (!(b->p = realloc(b->p, b->cap))) exit(1);
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
            puts_(b, i ? ",\n\"" : "\n\"");
            puts_(b, key_words[rnd() % (sizeof key_words / sizeof *key_words)]);
            if (rnd() % 3 == 0) putnum(b, rnd() % 100);
            puts_(b, "\": ");
            gen_value(b, depth + 1);
        }
        puts_(b, n ? "\n}" : "}");
    } else if (r < 4) {
        puts_(b, "[");
        for (int i = 0, n = (int)(rnd() % 9); i < n; i++) {
            puts_(b, i ? ", " : "");
            gen_value(b, depth + 1);
        }
        puts_(b, "]");
    } else if (r < 6) {
        putnum(b, (int64_t)(rnd() % 2000001) - 1000000);
    } else if (r == 6) { /* decimal with up to 3 fraction digits */
        putnum(b, (int64_t)(rnd() % 20000) - 10000);
        char t[8];
        put(b, t, (size_t)snprintf(t, sizeof t, ".%u", rnd() % 1000));
    } else if (r < 9) gen_string(b);
    else {
        static const char *lits[] = {"true", "false", "null"};
        puts_(b, lits[rnd() % 3]);
    }
}

/* ---- parser ---- */
enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct Node {
    int type;
    int64_t num;                /* J_NUM: value * 1000 (fixed point); J_BOOL: 0/1 */
    char *str, *key;            /* J_STR: decoded UTF-8 (len bytes); key: member name inside an object */
    size_t len;
    struct Node *first, *next;  /* children; siblings */
} Node;

/* lexer: one token of lookahead in lx->tok */
enum { T_END, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COLON, T_COMMA, T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL };
typedef struct { int type; size_t start, end; int64_t num; } Token; /* T_STRING: raw text between the quotes */
typedef struct { const char *s; size_t pos; Token tok; } Lexer;

static void fail(Lexer *lx, const char *what) {
    printf("parse error at %zu: %s\n", lx->pos, what);
    exit(1);
}

static void next_token(Lexer *lx) {
    static const char punct[] = "{}[]:,";
    const char *s = lx->s;
    Token *t = &lx->tok;
    while (s[lx->pos] == ' ' || s[lx->pos] == '\n' || s[lx->pos] == '\t' || s[lx->pos] == '\r') lx->pos++;
    char c = s[lx->pos];
    const char *pc = c ? strchr(punct, c) : NULL;
    if (c == '\0') t->type = T_END;
    else if (pc) {
        t->type = T_LBRACE + (int)(pc - punct);
        lx->pos++;
    } else if (c == '"') {
        t->type = T_STRING;
        t->start = ++lx->pos;
        for (; s[lx->pos] != '"'; lx->pos++) {
            if (s[lx->pos] == '\0') fail(lx, "unterminated string");
            if (s[lx->pos] == '\\') lx->pos++;
        }
        t->end = lx->pos++;
    } else if (c == '-' || (c >= '0' && c <= '9')) { /* -?digits(.digits)?, kept as value * 1000 */
        int neg = c == '-', digits = 0;
        int64_t v = 0, frac = 0;
        if (neg) lx->pos++;
        while (s[lx->pos] >= '0' && s[lx->pos] <= '9') v = v * 10 + (s[lx->pos++] - '0');
        if (s[lx->pos] == '.')
            for (lx->pos++; s[lx->pos] >= '0' && s[lx->pos] <= '9'; lx->pos++, digits++)
                if (digits < 3) frac = frac * 10 + (s[lx->pos] - '0');
        for (; digits < 3; digits++) frac *= 10;
        t->type = T_NUMBER;
        t->num = (neg ? -1 : 1) * (v * 1000 + frac);
    } else if (strncmp(s + lx->pos, "true", 4) == 0) t->type = T_TRUE, lx->pos += 4;
    else if (strncmp(s + lx->pos, "false", 5) == 0) t->type = T_FALSE, lx->pos += 5;
    else if (strncmp(s + lx->pos, "null", 4) == 0) t->type = T_NULL, lx->pos += 4;
    else fail(lx, "unexpected character");
}

static char *decode_string(Lexer *lx, const Token *t, size_t *len_out) {
    char *out = malloc(t->end - t->start + 1);
    size_t n = 0;
    if (!out) exit(1);
    for (size_t i = t->start; i < t->end; i++) {
        char c = lx->s[i];
        if (c != '\\') { out[n++] = c; continue; }
        switch (c = lx->s[++i]) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case '"': case '\\': case '/': out[n++] = c; break;
        case 'u': {
            int cp = 0;
            for (int k = 0; k < 4; k++, i++) {
                const char *hex = "0123456789abcdef", *at = lx->s[i + 1] ? strchr(hex, lx->s[i + 1] | 0x20) : NULL;
                if (!at) fail(lx, "bad \\u escape");
                cp = cp * 16 + (int)(at - hex);
            }
            if (cp < 0x80) out[n++] = (char)cp;
            else if (cp < 0x800) { out[n++] = (char)(0xc0 | cp >> 6); out[n++] = (char)(0x80 | (cp & 0x3f)); }
            else fail(lx, "code point out of range for this parser");
            break;
        }
        default: fail(lx, "bad escape");
        }
    }
    out[n] = '\0';
    *len_out = n;
    return out;
}

static Node *parse_value(Lexer *lx, int depth) {
    if (depth > 64) fail(lx, "too deep");
    Node *node = calloc(1, sizeof *node);
    if (!node) exit(1);
    Token t = lx->tok;
    next_token(lx);
    switch (t.type) {
    case T_NUMBER: node->type = J_NUM; node->num = t.num; return node;
    case T_STRING: node->type = J_STR; node->str = decode_string(lx, &t, &node->len); return node;
    case T_TRUE: case T_FALSE: node->type = J_BOOL; node->num = t.type == T_TRUE; return node;
    case T_NULL: node->type = J_NULL; return node;
    case T_LBRACE: case T_LBRACK: break;
    default: fail(lx, "expected a value");
    }
    node->type = t.type == T_LBRACE ? J_OBJ : J_ARR;
    int close = t.type == T_LBRACE ? T_RBRACE : T_RBRACK;
    Node **tail = &node->first;
    if (lx->tok.type == close) { next_token(lx); return node; }
    for (;;) {
        char *key = NULL;
        if (node->type == J_OBJ) {
            size_t klen;
            if (lx->tok.type != T_STRING) fail(lx, "expected a key");
            key = decode_string(lx, &lx->tok, &klen);
            next_token(lx);
            if (lx->tok.type != T_COLON) fail(lx, "expected ':'");
            next_token(lx);
        }
        *tail = parse_value(lx, depth + 1);
        (*tail)->key = key;
        tail = &(*tail)->next;
        if (lx->tok.type == T_COMMA) { next_token(lx); continue; }
        if (lx->tok.type != close) fail(lx, "expected ',' or a closing bracket");
        next_token(lx);
        return node;
    }
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
    for (Node *next; n; n = next) {
        next = n->next;
        free_tree(n->first);
        free(n->key), free(n->str), free(n);
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
    static const int docs_for[3] = {4, 50, 330};
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
        Lexer lx = {b.p, 0, {0, 0, 0, 0}};
        next_token(&lx);
        Node *root = parse_value(&lx, 0);
        if (lx.tok.type != T_END) fail(&lx, "trailing characters");
        walk(root, 0, &st);
        free_tree(root);
        free(b.p);
    }
    printf("documents = %d, bytes = %llu, nodes = %llu, max depth = %d, number sum = %lld\n", docs,
           (unsigned long long)bytes, (unsigned long long)st.nodes, st.max_depth, (long long)st.sum);
    printf("checksum: %llu\n", (unsigned long long)(st.hash ^ st.nodes ^ (uint64_t)st.sum));
    return 0;
}
