// corpus: non-zero exit code computed from data (Game of Life checksum % 200 + 1)
// exit: 123
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define W 32
#define H 32

static unsigned char grid[H][W], next[H][W];

/* Hot: called W*H times per generation (1024 x 60 = 61440 calls). */
static int neighbours(int y, int x) {
    int n = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            if (dy || dx) n += grid[(y + dy + H) % H][(x + dx + W) % W]; /* toroidal wrap */
    return n;
}

static int step(void) {
    int alive = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int n = neighbours(y, x);
            next[y][x] = (unsigned char)(n == 3 || (n == 2 && grid[y][x]));
            alive += next[y][x];
        }
    memcpy(grid, next, sizeof grid);
    return alive;
}

static uint32_t grid_hash(void) {
    uint32_t h = 2166136261u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) h = (h ^ grid[y][x]) * 16777619u;
    return h;
}

int main(void) {
    uint32_t r = 4242u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            r = r * 1664525u + 1013904223u;
            grid[y][x] = (r >> 28) < 5; /* ~31% alive */
        }
    uint32_t checksum = grid_hash();
    for (int gen = 1; gen <= 60; gen++) {
        int alive = step();
        checksum = checksum * 31u + (uint32_t)alive;
        if (gen % 10 == 0) printf("generation %d: %d alive, hash %08x\n", gen, alive, grid_hash());
    }
    for (int y = 0; y < 4; y++) {
        for (int x = 0; x < W; x++) putchar(grid[y][x] ? '#' : '.');
        putchar('\n');
    }
    checksum ^= grid_hash();
    int code = (int)(checksum % 200u) + 1; /* 1..200, never 0 */
    printf("checksum: %u -> exit code %d\n", checksum, code);
    return code;
}
