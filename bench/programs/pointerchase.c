// bench: pointerchase — 262,144 nodes (8 MB) of a circular singly linked list, linked in a random
//        order (Sattolo's shuffle gives one single cycle), walked again and again. Every step is a
//        dependent load that usually misses the cache; every 64th step also unlinks the next node
//        and splices it in after a random node, so the list order keeps changing.
// sizes: short = 100,000 steps, medium = 2,200,000 steps, long = 14,000,000 steps
//        (plus about 10 ms natively to build the list, at every size)
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODES (1u << 18)

typedef struct Node {
    struct Node *next;
    uint64_t payload;
    uint32_t id;
    uint32_t visits;
    uint64_t pad; /* 32-byte nodes */
} Node;

static uint64_t rng_state = 0x3c6ef372fe94f82bULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: pointerchase [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const uint32_t steps_for[3] = {100000, 2200000, 14000000};
    uint32_t steps = steps_for[size_arg(argc, argv)];
    Node *nodes = malloc(NODES * sizeof *nodes);
    uint32_t *order = malloc(NODES * sizeof *order);
    if (!nodes || !order) return 1;

    /* Sattolo's algorithm: a uniformly random cyclic permutation, i.e. one cycle through all nodes */
    for (uint32_t i = 0; i < NODES; i++) order[i] = i;
    for (uint32_t i = NODES - 1; i > 0; i--) {
        uint32_t j = rnd() % i;
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < NODES; i++) {
        nodes[i].next = &nodes[order[i]];
        uint64_t hi = rnd();
        nodes[i].payload = hi << 32 | rnd();
        nodes[i].id = i;
        nodes[i].visits = 0;
        nodes[i].pad = 0;
    }
    free(order);

    uint64_t sum = 0, moves = 0;
    Node *cur = &nodes[0];
    for (uint32_t s = 0; s < steps; s++) {
        sum += cur->payload ^ cur->id;
        cur->visits++;
        cur->payload = cur->payload * 0x9e3779b97f4a7c15ULL + s;
        if ((s & 63) == 63) {
            /* unlink cur->next and splice it in after a random other node */
            Node *victim = cur->next, *after = &nodes[rnd() % NODES];
            if (victim != cur && after != victim) {
                cur->next = victim->next;
                victim->next = after->next;
                after->next = victim;
                moves++;
            }
        }
        cur = cur->next;
    }

    /* the next pointers must still form a permutation: every node has exactly one predecessor */
    uint8_t *preds = calloc(NODES, 1);
    if (!preds) return 1;
    for (uint32_t i = 0; i < NODES; i++) preds[nodes[i].next->id]++;
    for (uint32_t i = 0; i < NODES; i++)
        if (preds[i] != 1) {
            printf("list broken: node %u has %u predecessors\n", i, preds[i]);
            return 1;
        }
    free(preds);
    uint64_t visit_hash = 0;
    for (uint32_t i = 0; i < NODES; i += 4099) visit_hash = visit_hash * 31 + nodes[i].visits;
    printf("steps = %u, moves = %llu, final node = %u\n", steps, (unsigned long long)moves, cur->id);
    printf("checksum: %llu\n", (unsigned long long)(sum ^ visit_hash ^ (moves << 40)));
    free(nodes);
    return 0;
}
