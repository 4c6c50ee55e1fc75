// corpus: a program in three files (this one, parts/multi_file_lib.c and parts/multi_file_mix.ll), linked into one: calls, globals and function pointers across files, and static functions of the same name in two files
// with: parts/multi_file_lib.c parts/multi_file_mix.ll
#include <stdint.h>
#include <stdio.h>

/* parts/multi_file_lib.c */
extern uint32_t lib_state;
extern uint32_t (*const lib_steps[3])(uint32_t);
uint32_t lib_next(void);
uint64_t lib_sum_table(const uint32_t *v, int n);
int lib_calls(void);
/* parts/multi_file_mix.ll */
uint32_t mix32(uint32_t x, uint32_t k);

/* the same name as a static function in parts/multi_file_lib.c: each file calls its own */
static uint32_t scramble(uint32_t x) { return x * 2654435761u + 0x7f4a7c15u; }

static uint32_t table[256];

int main(void) {
    uint64_t checksum = 0;
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 256; i++) table[i] = mix32(lib_next(), (uint32_t)i) ^ scramble((uint32_t)round);
        for (int i = 0; i < 256; i++) table[i] = lib_steps[(table[i] >> 3) % 3](table[i]);
        checksum = checksum * 1099511628211u + lib_sum_table(table, 256);
    }
    printf("state = %u, lib calls = %d\n", lib_state, lib_calls());
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
