// Every allocation of a benchmark binary starts on a cache line (64 bytes): the problems'
// std::vectors, the peers' buffers, everything. Without it, where glibc's heap places x (16-byte
// aligned) depends on what the binary allocated before, and one build's rows straddle cache
// lines where another's do not: AVX2 double (64, 784, 10) measured 7-8 % apart between two
// builds of the same kernels. Aligned, a comparison of two builds compares their code.
#include <cstdlib>
#include <new>

namespace {
void* allocate(std::size_t n) {
    const std::size_t rounded = (n + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
    if (void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded))
        return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
