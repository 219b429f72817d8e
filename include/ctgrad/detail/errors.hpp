#pragma once
/// \file
/// Reporting errors with or without C++ exceptions, so that every ctgrad header compiles
/// under -fno-exceptions (tests/noexcept builds one program that way):
///
/// - `compile_time_error(message)` stops a constant evaluation (a `consteval` function, a
///   string being printed at compile time). It is not `constexpr`, so reaching a call to it
///   during constant evaluation is a compile error whose diagnostic quotes the call, message
///   included. A `throw` would do the same, but is itself an error under -fno-exceptions.
/// - `throw_or_abort<E>(args...)` throws `E(args...)`; without exceptions it prints E's
///   message on stderr and aborts, as the standard library does for its own exceptions then.
///   Run-time errors that must not abort have a status-returning form (`program::try_evaluate`).

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace ctgrad::detail {

/// Not `constexpr` on purpose: calling it during constant evaluation is a compile error that
/// shows `message`. Never called at run time.
inline void compile_time_error(const char* message) noexcept {
    (void)message;
}

/// Throws `E(args...)`, or, built with -fno-exceptions, prints its `what()` and aborts.
template <class E, class... A>
[[noreturn]] void throw_or_abort(A&&... args) {
#if defined(__cpp_exceptions)
    throw E(std::forward<A>(args)...);
#else
    const E error(std::forward<A>(args)...);
    std::fprintf(stderr, "%s\n", error.what());
    std::abort();
#endif
}

}  // namespace ctgrad::detail
