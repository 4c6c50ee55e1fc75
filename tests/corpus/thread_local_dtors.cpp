// corpus: thread_local objects whose destructors run only as their threads exit (glibc's __cxa_thread_atexit list), many threads
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>
static std::atomic<long> destroyed{0};
struct Tally {
    long n = 0;
    ~Tally() { destroyed += n * 3 + 1; }
};
thread_local Tally tally;
static long work(int k) {
    long s = 0;
    for (int i = 0; i < 2000; i++) s += (i * k) % 11;
    tally.n += s % 97;
    return s;
}
int main() {
    long total = 0;
    for (int round = 0; round < 8; round++) {
        std::vector<std::thread> ts;
        std::atomic<long> sum{0};
        for (int k = 0; k < 8; k++) ts.emplace_back([k, round, &sum] { sum += work(k + round); });
        for (auto &t : ts) t.join();
        total += sum;
    }
    std::printf("total %ld destroyed %ld\n", total, destroyed.load());
}
