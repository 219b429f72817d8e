#pragma once
/// \file
/// Strings computed at compile time: what `to_text` and `to_latex` return, usable in
/// `static_assert` and as `constexpr` values.

#include <cstddef>
#include <ostream>
#include <string_view>

#include "ctgrad/detail/errors.hpp"

namespace ctgrad {

/// A string of N characters held by value, built at compile time.
template <std::size_t N>
struct static_string {
    char chars[N + 1]{};

    constexpr std::string_view view() const { return {chars, N}; }
    constexpr const char* c_str() const { return chars; }
    static constexpr std::size_t size() { return N; }
    constexpr operator std::string_view() const { return view(); }

    friend constexpr bool operator==(const static_string& a, std::string_view b) { return a.view() == b; }
    friend std::ostream& operator<<(std::ostream& os, const static_string& s) { return os << s.view(); }
};

namespace detail {
/// A fixed-capacity buffer the printers append to during constant evaluation.
struct text_buffer {
    static constexpr std::size_t capacity = 8192;
    char data[capacity]{};
    std::size_t size = 0;

    constexpr void append(std::string_view s) {
        if (size + s.size() > capacity) {
            compile_time_error("ctgrad: expression too long to print (over 8192 characters)");
            return;
        }
        for (char c : s)
            data[size++] = c;
    }
    constexpr void append(char c) { append(std::string_view(&c, 1)); }
    constexpr std::string_view view() const { return {data, size}; }
};

/// The printed form of Render::render() as a static_string of exactly its length.
template <class Render>
inline constexpr text_buffer rendered = Render::render();

template <class Render>
constexpr auto to_static_string() {
    constexpr const text_buffer& b = rendered<Render>;
    static_string<b.size> s;
    for (std::size_t i = 0; i < b.size; ++i)
        s.chars[i] = b.data[i];
    return s;
}
}  // namespace detail

}  // namespace ctgrad
