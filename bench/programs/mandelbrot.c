// bench: mandelbrot — the Benchmarks Game Mandelbrot set: w x w points of [-1.5,0.5] x [-1,1],
//        at most 50 iterations of z = z^2 + c with escape radius 2, packed into a 1-bit bitmap
//        (8 pixels per byte, MSB first). Double arithmetic with a data-dependent exit.
//        The bitmap is not printed; the checksum covers its set bits and an FNV-1a hash of its bytes.
// sizes: short w = 680, medium w = 2300, long w = 5700
// args: short|medium|long
#ifdef __clang__ /* no a*b+c fusion into FMA, even with -march=native: results stay bit-identical */
#pragma STDC FP_CONTRACT OFF
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITER 50

static void render(int w, uint8_t *bitmap) {
    int row_bytes = (w + 7) / 8;
    for (int y = 0; y < w; y++) {
        double ci = 2.0 * y / w - 1.0;
        uint8_t *row = bitmap + (size_t)y * row_bytes;
        for (int x = 0; x < w; x++) {
            double cr = 2.0 * x / w - 1.5;
            double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
            int i = 0;
            while (i < MAX_ITER && tr + ti <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i++;
            }
            if (tr + ti <= 4.0) row[x >> 3] |= (uint8_t)(0x80u >> (x & 7));
        }
    }
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: mandelbrot [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int w_for[3] = {680, 2300, 5700};
    int w = w_for[size_arg(argc, argv)];
    size_t bytes = (size_t)((w + 7) / 8) * (size_t)w;
    uint8_t *bitmap = calloc(bytes, 1);
    if (!bitmap) return 1;

    render(w, bitmap);

    uint64_t set_bits = 0, hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < bytes; i++) {
        for (unsigned b = bitmap[i]; b; b &= b - 1) set_bits++;
        hash = (hash ^ bitmap[i]) * 0x100000001b3ULL;
    }
    printf("w = %d, points inside = %llu\n", w, (unsigned long long)set_bits);
    printf("checksum: %016llx\n", (unsigned long long)(hash ^ set_bits));
    free(bitmap);
    return 0;
}
