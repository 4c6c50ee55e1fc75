// bench: transformer — greedy generation with a small decoder-only transformer in the style of
//        TinyLlama / llama2.c: token embedding, RMSNorm, 4-head attention with RoPE and a KV cache,
//        SwiGLU feed-forward, a separate output projection, argmax. dim 128, 4 layers, hidden 352,
//        vocab 512, context 128 (each sequence starts from a fresh LCG-chosen token and runs until
//        the context is full). Weights (~3.7 MB of float) come from an LCG. Float matrix-vector
//        products dominate; expf/sqrtf in softmax, SiLU and RMSNorm.
// sizes: short = 40 tokens, medium = 550 tokens, long = 3600 tokens
// curve: one stderr line `iter <k> <nanoseconds> <end, CLOCK_MONOTONIC ns>` per generated token (one forward pass)
// args: short|medium|long
#define _POSIX_C_SOURCE 199309L
#ifdef __clang__ /* no a*b+c fusion into FMA, even with -march=native: results stay bit-identical */
#pragma STDC FP_CONTRACT OFF
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIM 128
#define NLAYERS 4
#define NHEADS 4
#define HEAD_DIM (DIM / NHEADS)
#define HIDDEN 352
#define VOCAB 512
#define SEQ_LEN 128

static float tok_emb[VOCAB][DIM], wcls[VOCAB][DIM], rms_final[DIM];
static float rms_att[NLAYERS][DIM], rms_ffn[NLAYERS][DIM];
static float wq[NLAYERS][DIM][DIM], wk[NLAYERS][DIM][DIM], wv[NLAYERS][DIM][DIM], wo[NLAYERS][DIM][DIM];
static float w1[NLAYERS][HIDDEN][DIM], w3[NLAYERS][HIDDEN][DIM], w2[NLAYERS][DIM][HIDDEN];
static float key_cache[NLAYERS][SEQ_LEN][DIM], value_cache[NLAYERS][SEQ_LEN][DIM];
static float rope_cos[SEQ_LEN][HEAD_DIM / 2], rope_sin[SEQ_LEN][HEAD_DIM / 2];
/* activations */
static float x[DIM], xb[DIM], xb2[DIM], q[DIM], hb[HIDDEN], hb2[HIDDEN], att[SEQ_LEN], logits[VOCAB];

static uint64_t rng_state = 0x7a3c9d1e5b2f4680ULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}
/* uniform in [-scale, scale), exactly representable steps of 2^-24 * scale */
static float urand(float scale) { return ((float)(rnd() >> 7) / 16777216.0f * 2.0f - 1.0f) * scale; }

static void fill(float *w, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) w[i] = urand(scale);
}

static void init_weights(void) {
    fill(&tok_emb[0][0], sizeof tok_emb / sizeof(float), 1.0f);
    fill(&wcls[0][0], sizeof wcls / sizeof(float), 1.0f / sqrtf((float)DIM));
    for (int i = 0; i < DIM; i++) rms_final[i] = 1.0f + urand(0.1f);
    for (int l = 0; l < NLAYERS; l++) {
        for (int i = 0; i < DIM; i++) {
            rms_att[l][i] = 1.0f + urand(0.1f);
            rms_ffn[l][i] = 1.0f + urand(0.1f);
        }
        float s = 1.0f / sqrtf((float)DIM), sh = 1.0f / sqrtf((float)HIDDEN);
        fill(&wq[l][0][0], DIM * DIM, s);
        fill(&wk[l][0][0], DIM * DIM, s);
        fill(&wv[l][0][0], DIM * DIM, s);
        fill(&wo[l][0][0], DIM * DIM, s);
        fill(&w1[l][0][0], HIDDEN * DIM, s);
        fill(&w3[l][0][0], HIDDEN * DIM, s);
        fill(&w2[l][0][0], DIM * HIDDEN, sh);
    }
    for (int pos = 0; pos < SEQ_LEN; pos++)
        for (int i = 0; i < HEAD_DIM / 2; i++) {
            double freq = pow(10000.0, -2.0 * i / HEAD_DIM);
            rope_cos[pos][i] = (float)cos(pos * freq);
            rope_sin[pos][i] = (float)sin(pos * freq);
        }
}

static void rmsnorm(float *out, const float *in, const float *w, int n) {
    float ss = 0.0f;
    for (int i = 0; i < n; i++) ss += in[i] * in[i];
    ss = 1.0f / sqrtf(ss / n + 1e-5f);
    for (int i = 0; i < n; i++) out[i] = w[i] * (ss * in[i]);
}

static void matvec(float *out, const float *w, const float *in, int n_out, int n_in) {
    for (int i = 0; i < n_out; i++) {
        const float *row = w + (size_t)i * n_in;
        float s = 0.0f;
        for (int j = 0; j < n_in; j++) s += row[j] * in[j];
        out[i] = s;
    }
}

static void softmax(float *v, int n) {
    float max = v[0], sum = 0.0f;
    for (int i = 1; i < n; i++)
        if (v[i] > max) max = v[i];
    for (int i = 0; i < n; i++) {
        v[i] = expf(v[i] - max);
        sum += v[i];
    }
    for (int i = 0; i < n; i++) v[i] /= sum;
}

static void rope(float *vec, int pos) { /* rotate each (even, odd) pair of every head */
    for (int h = 0; h < NHEADS; h++)
        for (int i = 0; i < HEAD_DIM / 2; i++) {
            float *p = vec + h * HEAD_DIM + 2 * i, c = rope_cos[pos][i], s = rope_sin[pos][i];
            float a = p[0], b = p[1];
            p[0] = a * c - b * s;
            p[1] = a * s + b * c;
        }
}

static void forward(int token, int pos) { /* leaves the next-token scores in logits[] */
    memcpy(x, tok_emb[token], sizeof x);
    for (int l = 0; l < NLAYERS; l++) {
        rmsnorm(xb, x, rms_att[l], DIM);
        matvec(q, &wq[l][0][0], xb, DIM, DIM);
        matvec(key_cache[l][pos], &wk[l][0][0], xb, DIM, DIM);
        matvec(value_cache[l][pos], &wv[l][0][0], xb, DIM, DIM);
        rope(q, pos);
        rope(key_cache[l][pos], pos);
        for (int h = 0; h < NHEADS; h++) {
            const float *qh = q + h * HEAD_DIM;
            for (int t = 0; t <= pos; t++) {
                const float *kh = key_cache[l][t] + h * HEAD_DIM;
                float s = 0.0f;
                for (int i = 0; i < HEAD_DIM; i++) s += qh[i] * kh[i];
                att[t] = s / sqrtf((float)HEAD_DIM);
            }
            softmax(att, pos + 1);
            float *out = xb + h * HEAD_DIM;
            for (int i = 0; i < HEAD_DIM; i++) out[i] = 0.0f;
            for (int t = 0; t <= pos; t++) {
                const float *vh = value_cache[l][t] + h * HEAD_DIM;
                for (int i = 0; i < HEAD_DIM; i++) out[i] += att[t] * vh[i];
            }
        }
        matvec(xb2, &wo[l][0][0], xb, DIM, DIM);
        for (int i = 0; i < DIM; i++) x[i] += xb2[i];

        rmsnorm(xb, x, rms_ffn[l], DIM);
        matvec(hb, &w1[l][0][0], xb, HIDDEN, DIM);
        matvec(hb2, &w3[l][0][0], xb, HIDDEN, DIM);
        for (int i = 0; i < HIDDEN; i++) hb[i] = hb[i] / (1.0f + expf(-hb[i])) * hb2[i]; /* SiLU(w1 x) * w3 x */
        matvec(xb2, &w2[l][0][0], hb, DIM, HIDDEN);
        for (int i = 0; i < DIM; i++) x[i] += xb2[i];
    }
    rmsnorm(x, x, rms_final, DIM);
    matvec(logits, &wcls[0][0], x, VOCAB, DIM);
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: transformer [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int tokens_for[3] = {40, 550, 3600};
    int tokens = tokens_for[size_arg(argc, argv)];
    init_weights();

    uint64_t checksum = 0xcbf29ce484222325ULL;
    double top_logit_sum = 0.0;
    int token = (int)(rnd() % VOCAB), pos = 0;
    printf("prompt %d:", token);
    for (int k = 0; k < tokens; k++) {
        long long t0 = now_ns();
        forward(token, pos);
        int next = argmax(logits, VOCAB);
        long long t1 = now_ns();
        fprintf(stderr, "iter %d %lld %lld\n", k, t1 - t0, t1); /* duration, end on CLOCK_MONOTONIC */

        top_logit_sum += logits[next];
        checksum = (checksum ^ (uint64_t)next) * 0x100000001b3ULL;
        printf(" %d", next);
        if (++pos == SEQ_LEN && k + 1 < tokens) { /* context full: start a new sequence */
            pos = 0;
            next = (int)(rnd() % VOCAB);
            printf("\nprompt %d:", next);
        }
        token = next;
    }
    printf("\ntokens = %d, sum of chosen logits = %.3f\n", tokens, top_logit_sum);
    printf("checksum: %llu\n", (unsigned long long)checksum);
    return 0;
}
