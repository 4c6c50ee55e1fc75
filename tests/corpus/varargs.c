// corpus: varargs: user variadic functions (int sum, mixed types, mini printf), va_copy, vsnprintf forwarding
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Sum of `count` int arguments. Hot: called 6000 times. */
static long sum_ints(int count, ...) {
    va_list ap;
    va_start(ap, count);
    long s = 0;
    for (int i = 0; i < count; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* Mixed argument classes: more than 6 integer and 8 floating args forces stack passing. */
static double mixed(const char *kinds, ...) {
    va_list ap;
    va_start(ap, kinds);
    double acc = 0;
    for (const char *k = kinds; *k; k++) {
        switch (*k) {
        case 'i': acc = acc * 2 + va_arg(ap, int); break;
        case 'l': acc = acc * 2 + (double)va_arg(ap, long long); break;
        case 'd': acc = acc * 2 + va_arg(ap, double); break; /* floats arrive promoted */
        case 's': acc = acc * 2 + (double)strlen(va_arg(ap, const char *)); break;
        }
    }
    va_end(ap);
    return acc;
}

/* Walk the same arguments twice using va_copy: returns max - min. */
static int spread(int count, ...) {
    va_list ap, ap2;
    va_start(ap, count);
    va_copy(ap2, ap);
    int mx = va_arg(ap, int);
    for (int i = 1; i < count; i++) { int v = va_arg(ap, int); if (v > mx) mx = v; }
    int mn = va_arg(ap2, int);
    for (int i = 1; i < count; i++) { int v = va_arg(ap2, int); if (v < mn) mn = v; }
    va_end(ap2);
    va_end(ap);
    return mx - mn;
}

/* Mini printf into a buffer: supports %d %u %x %s %c %%. Takes a va_list. */
static int mini_vformat(char *out, size_t cap, const char *fmt, va_list ap) {
    size_t n = 0;
    char tmp[32];
    for (const char *p = fmt; *p && n + 1 < cap; p++) {
        const char *piece = tmp;
        if (*p != '%') { tmp[0] = *p; tmp[1] = 0; }
        else switch (*++p) {
            case 'd': snprintf(tmp, sizeof tmp, "%d", va_arg(ap, int)); break;
            case 'u': snprintf(tmp, sizeof tmp, "%u", va_arg(ap, unsigned)); break;
            case 'x': snprintf(tmp, sizeof tmp, "%x", va_arg(ap, unsigned)); break;
            case 'c': tmp[0] = (char)va_arg(ap, int); tmp[1] = 0; break;
            case 's': piece = va_arg(ap, const char *); break;
            case '%': tmp[0] = '%'; tmp[1] = 0; break;
            default: /* unknown conversion, or '%' at the very end */
                tmp[0] = '?';
                tmp[1] = 0;
                if (!*p) p--;
                break;
        }
        for (; *piece && n + 1 < cap; piece++) out[n++] = *piece;
    }
    out[n] = 0;
    return (int)n;
}
static int mini_format(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = mini_vformat(out, cap, fmt, ap);
    va_end(ap);
    return r;
}

/* Forward to vsnprintf and then print with a prefix. */
static int logf_(const char *tag, const char *fmt, ...) {
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("[%s] %s\n", tag, line);
    return r;
}

int main(void) {
    long total = 0;
    for (int i = 0; i < 6000; i++) {
        total += sum_ints(3, i, -i / 2, 7);
        total += sum_ints(9, 1, 2, 3, 4, 5, 6, 7, 8, i & 15); /* some args on the stack */
        total += sum_ints(0);
    }
    printf("sum_ints total: %ld\n", total);

    double m = 0;
    for (int i = 0; i < 2000; i++)
        m += mixed("idldsidddddddddi", i, 0.5 * i, (long long)i << 33, -1.25f, "abc", 3,
                   1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, -i);
    printf("mixed total: %.17g\n", m);

    int sp = 0;
    for (int i = 0; i < 3000; i++) sp += spread(5, i % 7, -(i % 11), 3, i % 13, 2);
    printf("spread total: %d\n", sp);

    char buf[96];
    unsigned h = 0;
    for (int i = 0; i < 3000; i++) {
        int n = mini_format(buf, sizeof buf, "k%d:%s/%x %c%u%%", i, (i & 1) ? "odd" : "even",
                            (unsigned)i * 2654435761u, 'a' + i % 26, (unsigned)i * 7u);
        for (int j = 0; j < n; j++) h = h * 31u + (unsigned char)buf[j];
        if (i % 1000 == 0) printf("mini_format: %s (len %d)\n", buf, n);
    }
    int r = logf_("info", "%s has %d items, ratio %.3f, hex %#lx", "box", 12, 2.0 / 3.0, 48879ul);
    logf_("warn", "%-6s|%6d|%+.2e", "pad", -42, 123456.789);
    printf("logf_ returned %d\n", r);
    printf("checksum: %u\n", h ^ (unsigned)total ^ (unsigned)sp);
    return 0;
}
