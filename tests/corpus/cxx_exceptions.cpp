// corpus: C++ exceptions through JIT frames at every tier: thrown by hot functions and by libstdc++ (std::stoi), caught in a hot loop in main (OSR with landing pads), rethrown, nested, across a virtual call and std::function, with RAII destructors unwinding
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

static int destroyed = 0;

struct Tracker {
    int id;
    explicit Tracker(int i) : id(i) {}
    ~Tracker() { destroyed += id; }
};

struct ParseError : std::runtime_error {
    int position;
    ParseError(const std::string& what, int pos) : std::runtime_error(what), position(pos) {}
};

struct Overflow : std::exception {
    const char* what() const noexcept override { return "overflow"; }
};

static unsigned lcg = 12345;
static unsigned next_random() { return lcg = lcg * 1103515245u + 12345u; }

// Hot: called thousands of times; throws on some calls, with a local that must be destroyed.
static int checked_digit(char c, int pos) {
    Tracker t(1);
    if (c < '0' || c > '9') throw ParseError(std::string("bad char '") + c + "'", pos);
    return c - '0';
}

static int parse_number(const std::string& s) {
    if (s.empty()) throw std::invalid_argument("empty input");
    long v = 0;
    for (size_t i = 0; i < s.size(); i++) {
        v = v * 10 + checked_digit(s[i], (int)i);
        if (v > 1000000) throw Overflow();
    }
    return (int)v;
}

struct Stage {
    virtual ~Stage() = default;
    virtual int apply(int x) const = 0;
};
struct Halve : Stage {
    int apply(int x) const override {
        if (x % 2) throw std::domain_error("odd " + std::to_string(x));
        return x / 2;
    }
};
struct Square : Stage {
    int apply(int x) const override {
        if (x > 46340) throw Overflow();
        return x * x;
    }
};

// Catches, adds context and rethrows the same object.
static int run_stages(const std::vector<std::unique_ptr<Stage>>& stages, int x, int& rethrown) {
    Tracker t(10);
    try {
        for (auto& s : stages) x = s->apply(x);
        return x;
    } catch (const std::domain_error&) {
        rethrown++;
        throw;
    }
}

static int through_function(const std::function<int(int)>& f, int x) { return f(x) + 1; }

int main() {
    const char* inputs[] = {"123", "", "45x", "9", "0042", "99999999", "7a", "31337"};
    long total = 0;
    int parse_errors = 0, invalid = 0, overflows = 0, positions = 0, library_errors = 0;

    // A hot loop in main: try/catch inside it, so OSR continuations hold landing pads.
    for (int k = 0; k < 40000; k++) {
        try {
            total += parse_number(inputs[k % 8]);
        } catch (const ParseError& e) {
            parse_errors++;
            positions += e.position;
        } catch (const std::invalid_argument&) {
            invalid++;
        } catch (const std::exception& e) {
            if (std::string(e.what()) == "overflow") overflows++;
        }
        // Thrown inside libstdc++ (compiled natively), unwinding into JIT code.
        if (k % 97 == 0) {
            try {
                total += std::stoi(k % 194 == 0 ? "12" : "x12");
            } catch (const std::invalid_argument&) {
                library_errors++;
            }
        }
    }
    printf("parse: total %ld, errors %d (positions %d), invalid %d, overflows %d, library %d\n", total, parse_errors,
           positions, invalid, overflows, library_errors);

    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<Halve>());
    stages.push_back(std::make_unique<Square>());
    stages.push_back(std::make_unique<Halve>());
    long staged = 0;
    int domain = 0, rethrown = 0, squares = 0;
    for (int k = 0; k < 20000; k++) {
        int x = (int)(next_random() % 200000);
        try {
            staged += run_stages(stages, x, rethrown);
        } catch (const std::domain_error& e) {
            domain++;
        } catch (const Overflow&) {
            squares++;
        }
    }
    printf("stages: sum %ld, domain %d, rethrown %d, overflow %d\n", staged, domain, rethrown, squares);

    // Nested handlers, an exception_ptr carried out of a handler and rethrown later, catch (...).
    int nested = 0, carried = 0, anything = 0;
    std::exception_ptr saved;
    for (int k = 0; k < 5000; k++) {
        try {
            try {
                if (k % 3 == 0) throw k;
                if (k % 3 == 1) parse_number("99999999");
            } catch (int v) {
                nested += v % 7;
                if (v % 5 == 0) throw std::runtime_error("from handler");
            }
        } catch (const std::runtime_error& e) {
            if (k % 2) saved = std::current_exception();
            else nested++;
        } catch (...) {
            anything++;
        }
        if (saved && k % 11 == 0) {
            try {
                std::rethrow_exception(saved);
            } catch (const std::exception& e) {
                carried++;
            }
            saved = nullptr;
        }
    }
    printf("nested %d, carried %d, anything %d\n", nested, carried, anything);

    // Through std::function (a libstdc++ template instantiated here) and a lambda that throws.
    int lambda_errors = 0;
    long lambda_sum = 0;
    std::function<int(int)> f = [](int x) {
        if (x % 13 == 0) throw std::out_of_range("multiple of 13");
        return x * 3;
    };
    for (int k = 0; k < 10000; k++) {
        try {
            lambda_sum += through_function(f, k);
        } catch (const std::out_of_range&) {
            lambda_errors++;
        }
    }
    printf("function: sum %ld, errors %d\n", lambda_sum, lambda_errors);
    printf("destroyed %d\n", destroyed);
    printf("checksum: %ld\n", (total + staged + lambda_sum) % 1000003 + destroyed + nested + carried + anything);
    return 0;
}
