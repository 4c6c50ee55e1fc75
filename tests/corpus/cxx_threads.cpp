// corpus: C++ threads and the C++ runtime's thread state: std::async futures (one rethrows its task's exception), std::call_once (libstdc++ hands the callable over in its own thread-locals, reached through TLS indexes), dynamically initialized thread_local, virtual inheritance, atomics, <random>, iostream manipulators
#include <cstdio>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <vector>
#include <iostream>
#include <sstream>
#include <iomanip>
#include <atomic>
#include <array>
#include <bitset>
#include <cmath>
#include <numeric>
#include <algorithm>
#include <thread>

struct Counter { int n; Counter() : n(100) {} ~Counter() {} };
thread_local Counter tl;                 // dynamic TLS init: _ZTW wrapper, __tls_init
static std::once_flag once; static int inits = 0;
static int compute(int k) {
    std::call_once(once, [] { inits++; });
    tl.n += k;
    if (k == 3) throw std::runtime_error("k3");
    return tl.n;
}
struct Base { virtual ~Base() {} virtual int f() const { return 1; } };
struct D1 : virtual Base { int f() const override { return 2; } };
struct D2 : virtual Base { };
struct DD : D1, D2 { };
int main() {
    std::vector<std::future<int>> fs;
    for (int k = 0; k < 6; k++) fs.push_back(std::async(std::launch::async, compute, k));
    int sum = 0, errs = 0;
    for (auto& f : fs) { try { sum += f.get(); } catch (const std::exception& e) { errs++; } }
    std::mt19937 rng(42); std::uniform_int_distribution<int> d(1, 100); long r = 0;
    for (int i = 0; i < 100000; i++) r += d(rng);
    std::normal_distribution<double> nd(0.0, 1.0); double nsum = 0; for (int i = 0; i < 1000; i++) nsum += nd(rng);
    std::ostringstream o; o << std::setw(8) << std::setfill('*') << 42 << " " << std::scientific << std::setprecision(3) << 12345.678 << " " << std::hex << 255;
    std::atomic<long> at{0}; std::vector<std::thread> ts;
    for (int t = 0; t < 4; t++) ts.emplace_back([&] { for (int i = 0; i < 10000; i++) at.fetch_add(i, std::memory_order_relaxed); });
    for (auto& t : ts) t.join();
    DD dd; Base& b = dd;
    std::bitset<64> bs(0xF0F0); std::array<int, 5> arr{5, 3, 1, 4, 2}; std::sort(arr.begin(), arr.end());
    printf("sum %d errs %d inits %d main-tl %d r %ld n %.6f\n", sum, errs, inits, tl.n, r, nsum);
    std::cout << o.str() << " at " << at << " vbase " << b.f() << " bits " << bs.count() << " arr " << arr[0] << arr[4] << " hyp " << std::hypot(3.0, 4.0) << std::endl;
}
