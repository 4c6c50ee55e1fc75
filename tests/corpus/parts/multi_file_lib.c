// Part of tests/corpus/multi_file.c (not a corpus program of its own).
#include <stdint.h>

uint32_t lib_state = 0x12345678u;
static int calls;

/* the same name as a static function in multi_file.c: each file calls its own */
static uint32_t scramble(uint32_t x) { return (x ^ (x >> 15)) * 0x2c1b3c6du; }

uint32_t lib_next(void) {
    calls++;
    lib_state ^= lib_state << 13;
    lib_state ^= lib_state >> 17;
    lib_state ^= lib_state << 5;
    return scramble(lib_state);
}

static uint32_t step_a(uint32_t x) { calls++; return x + 0x9e3779b9u; }
static uint32_t step_b(uint32_t x) { calls++; return scramble(x); }
static uint32_t step_c(uint32_t x) { calls++; return x ^ (x >> 7); }
uint32_t (*const lib_steps[3])(uint32_t) = {step_a, step_b, step_c};

uint64_t lib_sum_table(const uint32_t *v, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++) s += (uint64_t)v[i] * (uint64_t)(i + 1);
    calls++;
    return s;
}

int lib_calls(void) { return calls; }
