// corpus: static functions and globals, static inline, C99 inline with an extern inline declaration (external definition)
// cflags: -DCLAMP_LIMIT=1000
#include <stdint.h>
#include <stdio.h>

#ifndef CLAMP_LIMIT /* set by the cflags header line: fails loudly if the runner ignores it */
#error "CLAMP_LIMIT not defined: the '// cflags:' header was not applied"
#endif

/* Static (internal) globals. */
static uint32_t state = 0x12345678u;
static int call_log[8];
static const uint32_t multipliers[4] = {2654435761u, 2246822519u, 3266489917u, 668265263u};

/* Static helpers. */
static void note(int slot) { call_log[slot & 7]++; }
static uint32_t step(uint32_t x) {
    note((int)(x >> 29));
    return x * 1103515245u + 12345u;
}

/* static inline: internal, may be inlined or emitted locally; static local allowed. */
static inline uint32_t rotl(uint32_t x, int k) { return (x << (k & 31)) | (x >> ((32 - k) & 31)); }
static inline int count_calls(void) {
    static int n; /* static local inside a static inline function */
    return ++n;
}

/* C99 inline: this is an inline definition. The 'extern inline' declaration below makes this
   translation unit also emit the external definition, so it links even when not inlined (-O0). */
inline uint32_t square_mod(uint32_t x, uint32_t m) { return (uint32_t)((uint64_t)x * x % m); }
extern inline uint32_t square_mod(uint32_t x, uint32_t m);

inline int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
extern inline int clamp(int v, int lo, int hi);

/* An extern (plain) function that uses all of the above. */
uint32_t combine(uint32_t a, uint32_t b);
uint32_t combine(uint32_t a, uint32_t b) {
    count_calls();
    return rotl(a, (int)(b & 31)) ^ square_mod(b | 1u, 1000003u) ^ multipliers[b & 3];
}

/* Taking the addresses of inline functions forces out-of-line copies to exist. */
static uint32_t (*const sq_ptr)(uint32_t, uint32_t) = square_mod;
static uint32_t (*const rot_ptr)(uint32_t, int) = rotl;

int main(void) {
    uint32_t acc = 0;
    int clamped = 0;
    for (int i = 0; i < 20000; i++) {
        state = step(state);
        acc = combine(acc, state);
        clamped += clamp((int)(state >> 20) - 2048, -CLAMP_LIMIT, CLAMP_LIMIT);
    }
    printf("acc %u, clamped sum %d, combine calls %d\n", acc, clamped, count_calls() - 1);
    printf("call_log:");
    for (int i = 0; i < 8; i++) printf(" %d", call_log[i]);
    printf("\n");
    printf("via pointers: square_mod(12345,1000) = %u, rotl(1,31) = %u\n", sq_ptr(12345u, 1000u), rot_ptr(1u, 31));
    printf("direct: square_mod(12345,1000) = %u, clamp(5000,0,99) = %d, clamp(-5,0,99) = %d\n",
           square_mod(12345u, 1000u), clamp(5000, 0, 99), clamp(-5, 0, 99));
    printf("pointer equals direct address: %d\n", sq_ptr == square_mod);
    printf("checksum: %u\n", acc ^ (uint32_t)clamped ^ state);
    return 0;
}
