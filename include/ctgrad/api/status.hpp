#pragma once
/// \file
/// What can be wrong with the data of a call: `errc`, the `status` that names the variable and
/// axis (with `message()`, a sentence a user can act on), and `evaluation_error`, which carries
/// a status. Returned by `try_evaluate`, thrown by the other calls.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ctgrad {

/// What went wrong with bound data. `ok` is success.
enum class errc {
    ok = 0,
    size_mismatch,      ///< an array's length is not the product of its variable's extents
    extent_conflict,    ///< two arrays (or a static extent) disagree on an axis
    unresolved_extent,  ///< no binding determines an axis's extent; give an explicit shape
    null_data,          ///< a null pointer with a non-zero length
    aliased_output,     ///< a gradient buffer overlaps an input or another gradient buffer
    class_index,        ///< a class index (of one_hot, cross_entropy) is not an integer in 0..K-1
    extent_too_large,   ///< a layer is wider than the tile buffers of a layered model hold
    empty_axis,         ///< argmax over an axis of extent 0: no element to pick
    shard_layout,       ///< a shard layout (api/shards.hpp) does not cover the batch's rows
    shard_index,        ///< a shard index beyond the layout's shards
};

/// The outcome of an evaluation: `ok()`, or what is wrong, naming the variable and axis.
/// Nothing was written to any output when the status is not ok.
struct status {
    errc code = errc::ok;
    std::string_view variable{};  ///< the offending variable (or gradient's variable)
    std::string_view axis{};      ///< the offending axis, when there is one
    std::size_t expected = 0;     ///< the length or extent that was required
    std::size_t actual = 0;       ///< the length or extent that was given
    /// The offending array is the gradient buffer for `variable`, not the data bound to it
    /// (with `variable` empty: the output buffer of a forward pass, `value(e)`).
    bool gradient = false;
    /// For a length that does not fit: the variable whose binding fixed the extent of `axis`
    /// (empty when the extent is static or came from the array's own length).
    std::string_view source{};

    constexpr bool ok() const { return code == errc::ok; }
    constexpr explicit operator bool() const { return ok(); }

    /// A sentence a user can act on.
    std::string message() const {
        // Built by appending (g++ 12 warns falsely on `"literal" + std::string`, bug 105329).
        std::string m = "ctgrad: ";
        auto quoted = [&](std::string_view s) { m.append("'").append(s).append("'"); };
        auto number = [&](std::size_t v) { m.append(std::to_string(v)); };
        const bool output = gradient && variable.empty();  // a forward pass's output buffer
        switch (code) {
            case errc::ok:
                return "ok";
            case errc::size_mismatch:
                if (output) {
                    m.append("the output buffer has ");
                    number(actual);
                    m.append(" elements, the value's shape needs ");
                    number(expected);
                    break;
                }
                m.append(gradient ? "the gradient buffer for " : "data bound to ");
                quoted(variable);
                m.append(" has ");
                number(actual);
                m.append(gradient ? " elements, the shape of " : " elements, its shape needs ");
                if (gradient) {
                    quoted(variable);
                    m.append(" needs ");
                }
                number(expected);
                if (!source.empty()) {
                    m.append(" (its axis ");
                    quoted(axis);
                    m.append(" was set by the binding of ");
                    quoted(source);
                    m.append(")");
                }
                break;
            case errc::extent_conflict:
                m.append("axis ");
                quoted(axis);
                m.append(" of ");
                quoted(variable);
                m.append(" has extent ");
                number(actual);
                m.append(", elsewhere it is ");
                number(expected);
                break;
            case errc::unresolved_extent:
                m.append("the extent of axis ");
                quoted(axis);
                m.append(" cannot be deduced; bind ");
                quoted(variable);
                m.append(" with an explicit shape, bind(v, data, {extents...})");
                break;
            case errc::null_data:
                if (output) {
                    m.append("a null output buffer, which needs ");
                    number(expected);
                    m.append(" elements");
                    break;
                }
                m.append(gradient ? "a null gradient buffer for " : "null data bound to ");
                quoted(variable);
                m.append(gradient ? ", which needs " : " with ");
                number(gradient ? expected : actual);
                m.append(" elements");
                break;
            case errc::aliased_output:
                if (output) {
                    m.append("the output buffer overlaps an input");
                    break;
                }
                m.append("the gradient buffer of ");
                quoted(variable);
                m.append(" overlaps an input or another gradient buffer");
                break;
            case errc::class_index:
                m.append("sample ");
                number(actual);
                m.append(" of ");
                quoted(variable);
                m.append(" is not a class index: expected an integer from 0 to ");
                number(expected - 1);
                m.append(" (axis ");
                quoted(axis);
                m.append(" has extent ");
                number(expected);
                m.append(")");
                break;
            case errc::extent_too_large:
                m.append("axis ");
                quoted(axis);
                m.append(" has extent ");
                number(actual);
                m.append(": a layered model holds whole rows of each intermediate in a tile, at most ");
                number(expected);
                m.append(" elements");
                break;
            case errc::empty_axis:
                m.append("argmax over axis ");
                quoted(axis);
                m.append(" of extent 0: there is no element to pick");
                break;
            case errc::shard_layout:
                if (expected == actual) {  // the rows are right: the count is not
                    m.append("a shard layout needs at least one shard");
                    break;
                }
                m.append("a shard layout of ");
                number(actual);
                m.append(" rows does not fit the batch: axis ");
                quoted(axis);
                m.append(" has ");
                number(expected);
                m.append(" rows");
                break;
            case errc::shard_index:
                m.append("shard ");
                number(actual);
                m.append(" does not exist: the layout has ");
                number(expected);
                m.append(" shards (0 to ");
                number(expected - 1);
                m.append(")");
                break;
        }
        return m;
    }
};

/// Thrown by evaluation when the bound data is inconsistent; `details()` has the particulars.
class evaluation_error : public std::invalid_argument {
public:
    explicit evaluation_error(const status& s) : std::invalid_argument(s.message()), status_(s) {}
    const status& details() const noexcept { return status_; }

private:
    status status_;
};

}  // namespace ctgrad
