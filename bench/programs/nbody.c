// bench: nbody — the Computer Language Benchmarks Game n-body simulation (Jovian planets, symplectic
//        integrator, dt = 0.01): double arithmetic, sqrt, small fixed-size struct arrays.
// sizes: short = 400,000 steps, medium = 4,500,000 steps, long = 30,000,000 steps
// args: short|medium|long
#ifdef __clang__ /* no a*b+c fusion into FMA, even with -march=native: results stay bit-identical */
#pragma STDC FP_CONTRACT OFF
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBODIES 5

struct planet {
    double x, y, z;
    double vx, vy, vz;
    double mass;
};

static struct planet bodies[NBODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS}, /* sun */
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS}, /* jupiter */
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS}, /* saturn */
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS}, /* uranus */
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS}, /* neptune */
};

static void advance(int nbodies, struct planet *b, double dt) {
    for (int i = 0; i < nbodies; i++) {
        struct planet *p = &b[i];
        for (int j = i + 1; j < nbodies; j++) {
            struct planet *q = &b[j];
            double dx = p->x - q->x, dy = p->y - q->y, dz = p->z - q->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            p->vx -= dx * q->mass * mag;
            p->vy -= dy * q->mass * mag;
            p->vz -= dz * q->mass * mag;
            q->vx += dx * p->mass * mag;
            q->vy += dy * p->mass * mag;
            q->vz += dz * p->mass * mag;
        }
    }
    for (int i = 0; i < nbodies; i++) {
        struct planet *p = &b[i];
        p->x += dt * p->vx;
        p->y += dt * p->vy;
        p->z += dt * p->vz;
    }
}

static double energy(int nbodies, const struct planet *b) {
    double e = 0.0;
    for (int i = 0; i < nbodies; i++) {
        const struct planet *p = &b[i];
        e += 0.5 * p->mass * (p->vx * p->vx + p->vy * p->vy + p->vz * p->vz);
        for (int j = i + 1; j < nbodies; j++) {
            const struct planet *q = &b[j];
            double dx = p->x - q->x, dy = p->y - q->y, dz = p->z - q->z;
            e -= (p->mass * q->mass) / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void offset_momentum(int nbodies, struct planet *b) {
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < nbodies; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;
}

static int size_arg(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "short";
    if (strcmp(s, "short") == 0) return 0;
    if (strcmp(s, "medium") == 0) return 1;
    if (strcmp(s, "long") == 0) return 2;
    fprintf(stderr, "usage: nbody [short|medium|long]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static const int steps_for[3] = {400000, 4500000, 30000000};
    int steps = steps_for[size_arg(argc, argv)];

    offset_momentum(NBODIES, bodies);
    printf("%.9f\n", energy(NBODIES, bodies));
    for (int i = 0; i < steps; i++) advance(NBODIES, bodies, 0.01);
    double e = energy(NBODIES, bodies);
    printf("%.9f\n", e);
    printf("checksum: %.9f\n", e);
    return 0;
}
