// corpus: computed goto (&&label, goto *tbl[op]) bytecode interpreter with a static local label table, run thousands of times
#include <stdio.h>

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_DUP, OP_JZ, OP_JNZ, OP_JMP, OP_HALT };

static unsigned long dispatches; /* number of instructions executed */

/* Stack-machine interpreter. The label table is a static local: its entries are
   addresses of labels inside this very function. */
static long run(const int *code, long arg) {
    static const void *const dispatch[] = {
        &&op_push, &&op_load, &&op_store, &&op_add, &&op_sub, &&op_mul, &&op_div,
        &&op_mod, &&op_dup, &&op_jz, &&op_jnz, &&op_jmp, &&op_halt,
    };
    long stack[16], vars[4] = {arg, 0, 0, 0};
    int sp = 0;
    const int *pc = code;
#define NEXT do { dispatches++; goto *dispatch[*pc++]; } while (0)
    NEXT;
op_push:  stack[sp++] = *pc++; NEXT;
op_load:  stack[sp++] = vars[*pc++]; NEXT;
op_store: vars[*pc++] = stack[--sp]; NEXT;
op_add:   sp--; stack[sp - 1] += stack[sp]; NEXT;
op_sub:   sp--; stack[sp - 1] -= stack[sp]; NEXT;
op_mul:   sp--; stack[sp - 1] *= stack[sp]; NEXT;
op_div:   sp--; stack[sp - 1] /= stack[sp]; NEXT;
op_mod:   sp--; stack[sp - 1] %= stack[sp]; NEXT;
op_dup:   stack[sp] = stack[sp - 1]; sp++; NEXT;
op_jz:    { int t = *pc++; if (stack[--sp] == 0) pc = code + t; } NEXT;
op_jnz:   { int t = *pc++; if (stack[--sp] != 0) pc = code + t; } NEXT;
op_jmp:   pc = code + *pc; NEXT;
op_halt:  return stack[sp - 1];
#undef NEXT
}

/* Tiny assembler with forward-jump patching. */
struct prog { int code[128]; int n; };
static void emit(struct prog *p, int op) { p->code[p->n++] = op; }
static void emit1(struct prog *p, int op, int a) { emit(p, op); emit(p, a); }
static int jump_fwd(struct prog *p, int op) { emit1(p, op, -1); return p->n - 1; }
static void patch(struct prog *p, int slot) { p->code[slot] = p->n; }

/* acc = sum_{i=1..n} i*i mod 1000003 (requires n >= 1). vars: 0=i (starts at n), 1=acc */
static void build_sumsq(struct prog *p) {
    int loop = p->n;
    emit1(p, OP_LOAD, 0); emit(p, OP_DUP); emit(p, OP_MUL);
    emit1(p, OP_LOAD, 1); emit(p, OP_ADD); emit1(p, OP_PUSH, 1000003); emit(p, OP_MOD);
    emit1(p, OP_STORE, 1);
    emit1(p, OP_LOAD, 0); emit1(p, OP_PUSH, 1); emit(p, OP_SUB); emit(p, OP_DUP);
    emit1(p, OP_STORE, 0); emit1(p, OP_JNZ, loop);
    emit1(p, OP_LOAD, 1); emit(p, OP_HALT);
}

/* Number of Collatz steps from x down to 1. vars: 0=x, 1=steps */
static void build_collatz(struct prog *p) {
    int loop = p->n;
    emit1(p, OP_LOAD, 0); emit1(p, OP_PUSH, 1); emit(p, OP_SUB);
    int to_done = jump_fwd(p, OP_JZ);
    emit1(p, OP_LOAD, 0); emit1(p, OP_PUSH, 2); emit(p, OP_MOD);
    int to_odd = jump_fwd(p, OP_JNZ);
    emit1(p, OP_LOAD, 0); emit1(p, OP_PUSH, 2); emit(p, OP_DIV); emit1(p, OP_STORE, 0);
    int to_inc = jump_fwd(p, OP_JMP);
    patch(p, to_odd);
    emit1(p, OP_LOAD, 0); emit1(p, OP_PUSH, 3); emit(p, OP_MUL); emit1(p, OP_PUSH, 1);
    emit(p, OP_ADD); emit1(p, OP_STORE, 0);
    patch(p, to_inc);
    emit1(p, OP_LOAD, 1); emit1(p, OP_PUSH, 1); emit(p, OP_ADD); emit1(p, OP_STORE, 1);
    emit1(p, OP_JMP, loop);
    patch(p, to_done);
    emit1(p, OP_LOAD, 1); emit(p, OP_HALT);
}

/* A second function with its own label table: classify characters by state machine. */
static int count_words(const char *s) {
    static void *const state_tbl[2][2] = {{&&in_space, &&start_word}, {&&end_word, &&in_word}};
    int words = 0, in = 0;
    for (; *s; s++) {
        int is_alpha = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
        goto *state_tbl[in][is_alpha];
    start_word: words++; in = 1; continue;
    in_word: continue;
    end_word: in = 0; continue;
    in_space: continue;
    }
    return words;
}

int main(void) {
    struct prog sumsq = {{0}, 0}, collatz = {{0}, 0};
    build_sumsq(&sumsq);
    build_collatz(&collatz);
    printf("program sizes: sumsq %d, collatz %d\n", sumsq.n, collatz.n);

    unsigned long checksum = 0;
    for (int i = 0; i < 3000; i++) {
        long r = run(sumsq.code, i % 50 + 1);
        checksum = checksum * 31 + (unsigned long)r;
        if (i % 613 == 0) printf("sumsq(%d) = %ld\n", i % 50 + 1, r);
    }
    long maxsteps = 0, maxarg = 0;
    for (long x = 1; x <= 1000; x++) {
        long s = run(collatz.code, x);
        if (s > maxsteps) { maxsteps = s; maxarg = x; }
        checksum = checksum * 31 + (unsigned long)s;
    }
    printf("collatz: longest below 1000 is %ld with %ld steps\n", maxarg, maxsteps);
    printf("collatz(27) = %ld\n", run(collatz.code, 27));

    const char *text = "computed goto: the label table is static, so splitting must keep labels together";
    int w = 0;
    for (int i = 0; i < 2000; i++) w += count_words(text + i % 10);
    printf("word count total %d, single %d\n", w, count_words(text));
    printf("dispatches: %lu\n", dispatches);
    printf("checksum: %lu\n", checksum ^ dispatches ^ (unsigned long)w);
    return 0;
}
