// corpus: C++ objects and the C++ runtime: static objects constructed before main and destroyed after it in reverse order (between atexit handlers), function-local statics (guarded), thread_local objects with destructors in std::thread, templates, STL containers, std::sort with a hot lambda, multiple inheritance and virtual calls, iostream beside printf
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct Logged {
    const char* name;
    explicit Logged(const char* n) : name(n) { printf("construct %s\n", name); }
    ~Logged() { printf("destroy %s\n", name); }
};

static Logged first("first");
Logged second("second");

static void at_exit_handler() { printf("atexit handler\n"); }

struct Registers {
    Registers() { atexit(at_exit_handler); } // registered after first and second were constructed
} registers;

static Logged third("third");

// A function-local static: constructed once, on first use, destroyed at exit before the globals above.
static Logged& lazily() {
    static Logged local("function-local static");
    return local;
}

template <typename T>
static T clamp_sum(const std::vector<T>& v, T limit) {
    T s = T();
    for (const T& x : v) s = std::min<T>(limit, s + x);
    return s;
}

struct Shape {
    virtual ~Shape() = default;
    virtual long area() const = 0;
    virtual const char* kind() const = 0;
};
struct Named {
    virtual ~Named() = default;
    virtual std::string label() const { return "named"; }
};
struct Rect : Shape, Named {
    long w, h;
    Rect(long w, long h) : w(w), h(h) {}
    long area() const override { return w * h; }
    const char* kind() const override { return "rect"; }
    std::string label() const override { return "rect " + std::to_string(w) + "x" + std::to_string(h); }
};
struct Tri : Shape {
    long b, h;
    Tri(long b, long h) : b(b), h(h) {}
    long area() const override { return b * h / 2; }
    const char* kind() const override { return "tri"; }
};

static unsigned lcg = 2024;
static unsigned next_random() { return lcg = lcg * 1664525u + 1013904223u; }

struct Vec2 {
    long x, y;
    Vec2 operator+(const Vec2& o) const { return {x + o.x, y + o.y}; }
    Vec2 operator*(long k) const { return {x * k, y * k}; }
    bool operator<(const Vec2& o) const { return x != o.x ? x < o.x : y < o.y; }
};

static std::mutex print_lock;
static int thread_dtors = 0;

struct PerThread {
    int id = -1;
    long work = 0;
    ~PerThread() {
        std::lock_guard<std::mutex> g(print_lock);
        thread_dtors++;
    }
};
static thread_local PerThread mine;

static long thread_body(int id) {
    mine.id = id;
    for (int i = 0; i < 20000; i++) mine.work += (i * (id + 3)) % 11 + id;
    return mine.work;
}

int main() {
    printf("main starts\n");
    lazily();

    // Templates and STL containers, used hot.
    std::vector<int> numbers(5000);
    std::iota(numbers.begin(), numbers.end(), 1);
    std::vector<double> halves(numbers.begin(), numbers.end());
    for (double& d : halves) d /= 2;
    printf("clamp_sum int %d, double %.1f\n", clamp_sum(numbers, 1000000), clamp_sum(halves, 123456.5));

    std::vector<Vec2> points;
    for (int i = 0; i < 20000; i++) points.push_back(Vec2{(long)(next_random() % 1000), (long)(next_random() % 1000)} * 3);
    long comparisons = 0;
    std::sort(points.begin(), points.end(), [&](const Vec2& a, const Vec2& b) {
        comparisons++;
        return a < b;
    });
    Vec2 sum = std::accumulate(points.begin(), points.end(), Vec2{0, 0});
    printf("sorted: first (%ld,%ld) last (%ld,%ld) sum (%ld,%ld), sorted %d\n", points.front().x, points.front().y,
           points.back().x, points.back().y, sum.x, sum.y, (int)std::is_sorted(points.begin(), points.end()));
    (void)comparisons; // how many the sort makes is libstdc++'s business, not the program's output

    std::map<std::string, int> words;
    std::unordered_map<int, long> buckets;
    const char* vocabulary[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
    for (int i = 0; i < 30000; i++) {
        std::string w = vocabulary[(next_random() >> 16) % 6];
        w += std::to_string(i % 3);
        words[w]++;
        buckets[(int)(next_random() % 97)] += i;
    }
    long bucket_sum = 0;
    for (auto& [k, v] : buckets) bucket_sum += k * (v % 1000);
    for (auto& [w, n] : words) std::cout << w << '=' << n << ' ';
    std::cout << '\n' << "buckets " << buckets.size() << " weighted " << bucket_sum << std::endl;

    // Virtual calls through two bases.
    std::vector<Shape*> shapes;
    for (int i = 0; i < 1000; i++) {
        if (i % 3) shapes.push_back(new Rect(i % 17 + 1, i % 5 + 1));
        else shapes.push_back(new Tri(i % 11 + 1, i % 7 + 2));
    }
    long area = 0;
    int rects = 0;
    size_t label_chars = 0;
    for (int round = 0; round < 20; round++)
        for (Shape* s : shapes) {
            area += s->area();
            if (auto* n = dynamic_cast<Named*>(s)) {
                rects++;
                label_chars += n->label().size();
            }
        }
    for (Shape* s : shapes) delete s;
    printf("area %ld, rects %d, label chars %zu\n", area, rects, label_chars);

    // thread_local objects with destructors, run as each thread ends.
    std::vector<std::thread> threads;
    std::vector<long> results(4);
    for (int t = 0; t < 4; t++) threads.emplace_back([t, &results] { results[t] = thread_body(t); });
    for (auto& th : threads) th.join();
    printf("threads: %ld %ld %ld %ld, destructors %d\n", results[0], results[1], results[2], results[3], thread_dtors);

    long checksum = area + bucket_sum + sum.x * 7 + sum.y + (long)label_chars + results[3];
    printf("checksum: %ld\n", checksum % 1000000007);
    return 0;
}
