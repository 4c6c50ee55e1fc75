// bench: bytecode — a stack-based bytecode VM (switch dispatch, 64-bit values, call frames with
//        locals) running a program assembled at startup: a main loop that calls a randomly
//        generated straight-line hash function, a Collatz step counter (loops), a recursive
//        fibonacci (calls) and Euclid's gcd (modulo). Measures interpreter dispatch.
// sizes: short = 3,000 main-loop iterations, medium = 36,000, long = 260,000
// args: short|medium|long
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ENTER, OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_AND, OP_XOR,
    OP_SHL, OP_SHR, OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ, OP_CALL, OP_RET, OP_DUP, OP_POP,
};

#define CODE_MAX 4096
#define STACK_MAX 4096
#define FRAMES_MAX 1024

static int64_t code[CODE_MAX];
static int ncode;
static int64_t label_pos[64];
static int fixups[256][2], nfixups; /* (code index, label) */
static int nlabels;

static uint64_t rng_state = 0x5851f42d4c957f2dULL;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static void emit(int64_t v) { code[ncode++] = v; }
static void op1(int op, int64_t arg) { emit(op); emit(arg); }
static int new_label(void) { label_pos[nlabels] = -1; return nlabels++; }
static void place(int label) { label_pos[label] = ncode; }
static void jump(int op, int label) { /* target patched once all labels are placed */
    emit(op);
    fixups[nfixups][0] = ncode;
    fixups[nfixups++][1] = label;
    emit(0);
}
static void call(int label, int nargs) { jump(OP_CALL, label); emit(nargs); }

static int64_t wrap(uint64_t v) { return (int64_t)v; } /* two's complement wrap, no overflow UB */

/* Runs from pc 0 until HALT; returns the value on top of the stack. */
static int64_t run(const int64_t *prog, uint64_t *ops_out) {
    int64_t stack[STACK_MAX];
    struct { int64_t ret, bp; } frames[FRAMES_MAX];
    int64_t pc = 0, sp = 0, bp = 0, a, b;
    int fp = 0;
    uint64_t ops = 0;
    for (;;) {
        ops++;
        switch (prog[pc++]) {
        case OP_HALT: *ops_out = ops; return stack[sp - 1];
        case OP_PUSH: stack[sp++] = prog[pc++]; break;
        case OP_LOAD: stack[sp++] = stack[bp + prog[pc++]]; break;
        case OP_STORE: stack[bp + prog[pc++]] = stack[--sp]; break;
        case OP_ENTER: for (a = prog[pc++]; a > 0; a--) stack[sp++] = 0; break;
        case OP_ADD: b = stack[--sp]; stack[sp - 1] = wrap((uint64_t)stack[sp - 1] + (uint64_t)b); break;
        case OP_SUB: b = stack[--sp]; stack[sp - 1] = wrap((uint64_t)stack[sp - 1] - (uint64_t)b); break;
        case OP_MUL: b = stack[--sp]; stack[sp - 1] = wrap((uint64_t)stack[sp - 1] * (uint64_t)b); break;
        case OP_MOD: /* unsigned remainder; x mod 0 = 0 */
            b = stack[--sp];
            stack[sp - 1] = b == 0 ? 0 : wrap((uint64_t)stack[sp - 1] % (uint64_t)b);
            break;
        case OP_AND: b = stack[--sp]; stack[sp - 1] &= b; break;
        case OP_XOR: b = stack[--sp]; stack[sp - 1] ^= b; break;
        case OP_SHL: b = stack[--sp]; stack[sp - 1] = wrap((uint64_t)stack[sp - 1] << (b & 63)); break;
        case OP_SHR: b = stack[--sp]; stack[sp - 1] = wrap((uint64_t)stack[sp - 1] >> (b & 63)); break;
        case OP_LT: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] < b; break;
        case OP_EQ: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] == b; break;
        case OP_JMP: pc = prog[pc]; break;
        case OP_JZ: pc = stack[--sp] == 0 ? prog[pc] : pc + 1; break;
        case OP_JNZ: pc = stack[--sp] != 0 ? prog[pc] : pc + 1; break;
        case OP_CALL:
            if (fp == FRAMES_MAX || sp > STACK_MAX - 64) { printf("vm: stack overflow\n"); exit(1); }
            frames[fp].ret = pc + 2;
            frames[fp++].bp = bp;
            bp = sp - prog[pc + 1];
            pc = prog[pc];
            break;
        case OP_RET:
            a = stack[--sp];
            sp = bp;
            pc = frames[--fp].ret;
            bp = frames[fp].bp;
            stack[sp++] = a;
            break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_POP: sp--; break;
        default: printf("vm: bad opcode at %lld\n", (long long)(pc - 1)); exit(1);
        }
    }
}

/* Assembles the program; `iterations` is baked in as a constant. */
static void assemble(int64_t iterations) {
    int f_hash = new_label(), f_collatz = new_label(), f_fib = new_label(), f_gcd = new_label();
    int loop = new_label(), done = new_label();

    /* main: locals i=0, acc=1 */
    op1(OP_ENTER, 2);
    op1(OP_PUSH, 12345); op1(OP_STORE, 1);
    place(loop);
    op1(OP_LOAD, 0); op1(OP_PUSH, iterations); emit(OP_LT); jump(OP_JZ, done);
    /* acc = hash(acc, collatz(i % 97 + 27)) */
    op1(OP_LOAD, 1);
    op1(OP_LOAD, 0); op1(OP_PUSH, 97); emit(OP_MOD); op1(OP_PUSH, 27); emit(OP_ADD); call(f_collatz, 1);
    call(f_hash, 2); op1(OP_STORE, 1);
    /* acc = acc + fib(i % 8 + 6) */
    op1(OP_LOAD, 1); op1(OP_LOAD, 0); op1(OP_PUSH, 8); emit(OP_MOD); op1(OP_PUSH, 6); emit(OP_ADD);
    call(f_fib, 1); emit(OP_ADD); op1(OP_STORE, 1);
    /* acc = acc ^ gcd(i * 7919 + 1, (acc & 0xffff) + 1) */
    op1(OP_LOAD, 1);
    op1(OP_LOAD, 0); op1(OP_PUSH, 7919); emit(OP_MUL); op1(OP_PUSH, 1); emit(OP_ADD);
    op1(OP_LOAD, 1); op1(OP_PUSH, 0xffff); emit(OP_AND); op1(OP_PUSH, 1); emit(OP_ADD);
    call(f_gcd, 2); emit(OP_XOR); op1(OP_STORE, 1);
    op1(OP_LOAD, 0); op1(OP_PUSH, 1); emit(OP_ADD); op1(OP_STORE, 0);
    jump(OP_JMP, loop);
    place(done);
    op1(OP_LOAD, 1); emit(OP_HALT);

    /* hash(a, b): a random straight-line sequence mixing a, b and constants */
    place(f_hash);
    op1(OP_LOAD, 0);
    for (int k = 0; k < 14; k++) {
        static const int ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_SHR, OP_SHL};
        uint32_t r = rnd();
        int op = ops[r % 6];
        if (r & 0x100) op1(OP_LOAD, 1);
        else op1(OP_PUSH, op == OP_SHR || op == OP_SHL ? 1 + (int64_t)(rnd() % 31) : (int64_t)rnd() | 1);
        emit(op);
        if (op == OP_SHL) { op1(OP_LOAD, 0); emit(OP_XOR); } /* keep the low bits alive */
    }
    emit(OP_RET);

    /* collatz(n): locals n=0, steps=1 */
    int c_top = new_label(), c_end = new_label(), c_even = new_label();
    place(f_collatz);
    op1(OP_ENTER, 1);
    place(c_top);
    op1(OP_LOAD, 0); op1(OP_PUSH, 1); emit(OP_EQ); jump(OP_JNZ, c_end);
    op1(OP_LOAD, 1); op1(OP_PUSH, 1); emit(OP_ADD); op1(OP_STORE, 1);
    op1(OP_LOAD, 0); op1(OP_PUSH, 1); emit(OP_AND); jump(OP_JZ, c_even);
    op1(OP_LOAD, 0); op1(OP_PUSH, 3); emit(OP_MUL); op1(OP_PUSH, 1); emit(OP_ADD); op1(OP_STORE, 0);
    jump(OP_JMP, c_top);
    place(c_even);
    op1(OP_LOAD, 0); op1(OP_PUSH, 1); emit(OP_SHR); op1(OP_STORE, 0);
    jump(OP_JMP, c_top);
    place(c_end);
    op1(OP_LOAD, 1); emit(OP_RET);

    /* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2) */
    int f_rec = new_label();
    place(f_fib);
    op1(OP_LOAD, 0); op1(OP_PUSH, 2); emit(OP_LT); jump(OP_JZ, f_rec);
    op1(OP_LOAD, 0); emit(OP_RET);
    place(f_rec);
    op1(OP_LOAD, 0); op1(OP_PUSH, 1); emit(OP_SUB); call(f_fib, 1);
    op1(OP_LOAD, 0); op1(OP_PUSH, 2); emit(OP_SUB); call(f_fib, 1);
    emit(OP_ADD); emit(OP_RET);

    /* gcd(a, b): while (b != 0) { t = a mod b; a = b; b = t } return a */
    int g_top = new_label(), g_end = new_label();
    place(f_gcd);
    place(g_top);
    op1(OP_LOAD, 1); op1(OP_PUSH, 0); emit(OP_EQ); jump(OP_JNZ, g_end);
    op1(OP_LOAD, 0); op1(OP_LOAD, 1); emit(OP_MOD);
    op1(OP_LOAD, 1); op1(OP_STORE, 0); op1(OP_STORE, 1);
    jump(OP_JMP, g_top);
    place(g_end);
    op1(OP_LOAD, 0); emit(OP_RET);

    for (int k = 0; k < nfixups; k++) code[fixups[k][0]] = label_pos[fixups[k][1]];
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: bytecode [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int64_t iters_for[3] = {3000, 36000, 260000};
    int64_t iterations = iters_for[size_arg(argc, argv)];
    assemble(iterations);
    uint64_t ops = 0;
    int64_t result = run(code, &ops);
    printf("program: %d words, %lld iterations, %llu instructions executed\n", ncode, (long long)iterations,
           (unsigned long long)ops);
    printf("checksum: %llu\n", (unsigned long long)((uint64_t)result ^ ops));
    return 0;
}
