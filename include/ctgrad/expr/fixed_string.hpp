#pragma once
/// \file
/// A string usable as a template argument: names of variables and axes live in types.

#include <cstddef>
#include <string_view>

namespace ctgrad {

/// A string literal held by value so that it can be a non-type template argument,
/// e.g. `input<"x">(...)`. Two names are the same name when their characters are.
template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    consteval fixed_string(const char (&text)[N]) {
        for (std::size_t i = 0; i < N; ++i)
            chars[i] = text[i];
    }

    /// The characters, without the terminating zero.
    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr std::size_t size() const { return N - 1; }

    template <std::size_t M>
    constexpr bool operator==(const fixed_string<M>& other) const {
        return view() == other.view();
    }
};

}  // namespace ctgrad
