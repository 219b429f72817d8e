#pragma once
/// \file
/// Arrays printed the way PyTorch 1.13 prints tensors (`repr(t)`, `print(t)`), so the output of
/// a ctgrad program can be put next to a PyTorch session and compared by eye, digit for digit:
///
///     ctgrad::io::format_tensor(dw, {1, 10})
///       -> tensor([[-0.0107, -0.0021,  0.0047,  0.0092, -0.0091, -0.0030,  0.0069, -0.0105,
///                   -0.0061, -0.0051]])
///     ctgrad::io::format_tensor(loss, {.suffixes = {"grad_fn=<MseLossBackward0>"}})
///       -> tensor(0.2443, grad_fn=<MseLossBackward0>)
///     ctgrad::io::format_shape({1, 2})   -> torch.Size([1, 2])
///
/// The rules are those of torch/_tensor_str.py (PyTorch 1.13), for strided float tensors:
///   - one formatter for the whole tensor, chosen from its non-zero finite values:
///     all integral -> "1.", "0." ("int mode"); otherwise `precision` decimals ("0.2443");
///     scientific ("1.0000e-05") when max/min > 1000 or max > 1e8 or (not int mode) min < 1e-4;
///   - every element right-aligned to the widest one, so columns line up;
///   - rows wrapped to `linewidth` columns, continuation lines indented under the first element;
///   - tensors of more than `threshold` elements summarized to `edgeitems` per edge with "...";
///   - suffixes (", grad_fn=<...>") after the data, on a new line if the last one is too long.
/// Values are formatted from their exact double value (as Python formats `tensor.tolist()`),
/// rounding half to even, in the "C" locale. Only the standard library is used.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "ctgrad/detail/errors.hpp"

namespace ctgrad::io {

/// The printing options, PyTorch's `torch.set_printoptions(...)` plus the suffixes that
/// `repr` appends. The defaults are PyTorch's defaults.
struct format_options {
    int precision = 4;               ///< digits after the decimal point (fixed and scientific)
    std::size_t linewidth = 80;      ///< characters per line before a row is wrapped
    std::size_t threshold = 1000;    ///< more elements than this: summarize ("..."); SIZE_MAX: never
    std::size_t edgeitems = 3;       ///< elements (or rows) kept at each edge when summarizing
    std::optional<bool> sci_mode{};  ///< force scientific notation on/off; empty: PyTorch's choice
    /// What PyTorch appends after the data, in order, e.g. {"grad_fn=<MseLossBackward0>"},
    /// {"requires_grad=True"} or, for double data, {"dtype=torch.float64"} (PyTorch's default
    /// dtype is float32, so it shows the dtype of a double tensor; add it if you want it).
    /// A leading ", " is ignored, so ", grad_fn=<MeanBackward0>" works too.
    std::vector<std::string> suffixes{};
};

namespace detail {

/// A double as Python's format(value, ".{precision}f"/"e") writes it ("nan", "inf", "-inf"
/// for non-finite values, never "-nan").
inline std::string format_number(double v, bool scientific, int precision) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v < 0 ? "-inf" : "inf";
    precision = std::max(precision, 0);
    // Fixed notation of the largest double has 309 integer digits.
    std::string buf(static_cast<std::size_t>(precision) + 330, '\0');
    const auto fmt = scientific ? std::chars_format::scientific : std::chars_format::fixed;
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, fmt, precision);
    if (ec != std::errc{})
        ctgrad::detail::throw_or_abort<std::runtime_error>("ctgrad::io: cannot format a number");
    buf.resize(static_cast<std::size_t>(end - buf.data()));
    return buf;
}

/// torch._tensor_str._Formatter for floating-point tensors.
class formatter {
public:
    formatter(const std::vector<double>& values, const format_options& opt) : precision_(opt.precision) {
        double lo = 0, hi = 0;
        bool any = false;
        for (double v : values) {
            if (!std::isfinite(v) || v == 0)
                continue;
            const double a = std::fabs(v);
            lo = any ? std::min(lo, a) : a;
            hi = any ? std::max(hi, a) : a;
            any = true;
            if (v != std::ceil(v))
                int_mode_ = false;
        }
        if (!any)
            return;  // no non-zero finite value: "0." / "nan" (PyTorch ignores sci_mode here too)
        const bool wide = hi / lo > 1000.0 || hi > 1.0e8;
        sci_mode_ = int_mode_ ? wide : wide || lo < 1.0e-4;
        for (double v : values) {
            if (!std::isfinite(v) || v == 0)
                continue;
            std::size_t w = 0;
            if (sci_mode_)
                w = format_number(v, true, precision_).size();
            else if (int_mode_)
                w = format_number(v, false, 0).size() + 1;  // room for the "."
            else
                w = format_number(v, false, precision_).size();
            max_width_ = std::max(max_width_, w);
        }
        if (opt.sci_mode)
            sci_mode_ = *opt.sci_mode;
    }

    std::size_t width() const { return max_width_; }

    /// One element, right-aligned to the common width.
    std::string format(double v) const {
        std::string s;
        if (sci_mode_) {
            s = format_number(v, true, precision_);
        } else if (int_mode_) {
            s = format_number(v, false, 0);
            if (std::isfinite(v))
                s += '.';
        } else {
            s = format_number(v, false, precision_);
        }
        if (s.size() < max_width_)
            s.insert(0, max_width_ - s.size(), ' ');
        return s;
    }

private:
    int precision_;
    bool int_mode_ = true;
    bool sci_mode_ = false;
    std::size_t max_width_ = 1;
};

/// A view of a row-major array: values (as double), extents, strides.
struct dense_view {
    std::vector<double> values;
    std::vector<std::size_t> shape;
    std::vector<std::size_t> stride;
};

/// torch._tensor_str.get_summarized_data: the values the formatter sees when summarizing.
inline void summarized_values(const dense_view& t, std::size_t dim, std::size_t offset, bool summarize,
                              const format_options& opt, std::vector<double>& out) {
    const std::size_t n = t.shape[dim];
    const bool cut = summarize && n > 2 * opt.edgeitems;
    for (std::size_t i = 0; i < n; ++i) {
        if (cut && i == opt.edgeitems)
            i = n - opt.edgeitems;
        const std::size_t at = offset + i * t.stride[dim];
        if (dim + 1 == t.shape.size())
            out.push_back(t.values[at]);
        else
            summarized_values(t, dim + 1, at, summarize, opt, out);
    }
}

/// torch._tensor_str._tensor_str_with_formatter (and _vector_str) for dimensions dim.. of t.
inline std::string tensor_str(const dense_view& t, std::size_t dim, std::size_t offset, std::size_t indent,
                              bool summarize, const formatter& f, const format_options& opt) {
    const std::size_t n = t.shape[dim];
    const bool cut = summarize && n > 2 * opt.edgeitems;
    const std::size_t rank_left = t.shape.size() - dim;
    std::vector<std::string> items;
    for (std::size_t i = 0; i < n; ++i) {
        if (cut && i == opt.edgeitems) {
            items.emplace_back(rank_left == 1 ? " ..." : "...");
            i = n - opt.edgeitems;
        }
        const std::size_t at = offset + i * t.stride[dim];
        items.push_back(rank_left == 1 ? f.format(t.values[at])
                                       : tensor_str(t, dim + 1, at, indent + 1, summarize, f, opt));
    }
    std::string out = "[";
    if (rank_left == 1) {
        // A vector: as many elements per line as fit in linewidth - indent (at least one).
        const auto room = static_cast<long long>(opt.linewidth) - static_cast<long long>(indent);
        const auto per_element = static_cast<long long>(f.width() + 2);
        const auto per_line = static_cast<std::size_t>(std::max(1LL, room >= 0 ? room / per_element : -1));
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i != 0)
                out += i % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : std::string(", ");
            out += items[i];
        }
    } else {
        const std::string sep = "," + std::string(rank_left - 1, '\n') + std::string(indent + 1, ' ');
        for (std::size_t i = 0; i < items.size(); ++i)
            out += (i != 0 ? sep : std::string()) + items[i];
    }
    return out + "]";
}

/// torch._tensor_str._add_suffixes, including its reckoning of the last line's length.
inline std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, std::size_t indent,
                                std::size_t linewidth) {
    const auto newline = s.rfind('\n');
    // Python: len(s) - s.rfind("\n") + 1, with rfind = -1 when there is no newline.
    std::size_t last = newline == std::string::npos ? s.size() + 2 : s.size() - newline + 1;
    for (std::string_view suffix : suffixes) {
        if (suffix.starts_with(", "))
            suffix.remove_prefix(2);
        if (last + suffix.size() + 2 > linewidth) {
            s.append(",\n").append(indent, ' ').append(suffix);
            last = indent + suffix.size();
        } else {
            s.append(", ").append(suffix);
            last += suffix.size() + 2;
        }
    }
    return s + ")";
}

inline std::string size_tuple(std::span<const std::size_t> shape) {  // Python's str(tuple(shape))
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

template <class T>
std::string format_any_rank(std::span<const T> values, std::span<const std::size_t> shape, const format_options& opt) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "ctgrad::io::format_tensor formats float or double values");
    std::size_t count = 1;
    for (auto e : shape)
        count *= e;
    if (count != values.size())
        ctgrad::detail::throw_or_abort<std::invalid_argument>(
            "ctgrad::io::format_tensor: " + std::to_string(values.size()) + " values for a shape of " +
            std::to_string(count) + " elements");
    const std::string prefix = "tensor(";
    const std::size_t indent = prefix.size();
    std::vector<std::string> suffixes;
    std::string body;
    if (count == 0) {  // PyTorch shows the shape of an empty tensor unless it is 1-D
        body = "[]";
        if (shape.size() != 1)
            suffixes.push_back("size=" + size_tuple(shape));
    } else {
        dense_view t{{values.begin(), values.end()}, {shape.begin(), shape.end()}, {}};
        t.stride.resize(t.shape.size());
        for (std::size_t d = t.shape.size(), s = 1; d-- > 0; s *= t.shape[d])
            t.stride[d] = s;
        const bool summarize = count > opt.threshold;
        if (t.shape.empty()) {
            body = formatter(t.values, opt).format(t.values[0]);
        } else {
            std::vector<double> seen;
            if (summarize)
                summarized_values(t, 0, 0, true, opt, seen);
            const formatter f(summarize ? seen : t.values, opt);
            body = tensor_str(t, 0, 0, indent, summarize, f, opt);
        }
    }
    suffixes.insert(suffixes.end(), opt.suffixes.begin(), opt.suffixes.end());
    return add_suffixes(prefix + body, suffixes, indent, opt.linewidth);
}

template <class R>
concept float_range =
    std::ranges::contiguous_range<R> && std::floating_point<std::remove_cv_t<std::ranges::range_value_t<R>>>;

template <float_range R>
auto as_const_span(const R& r) {
    return std::span<const std::remove_cv_t<std::ranges::range_value_t<R>>>(std::ranges::data(r), std::ranges::size(r));
}

}  // namespace detail

/// The row-major array `values` of extents `shape` (rank 0, 1, 2 or more), as PyTorch 1.13
/// prints a float tensor: `tensor([[ 0.5988, -1.5551], [...]])`, wrapped, aligned and, above
/// `options.threshold` elements, summarized. T is float or double; a float is printed from
/// its exact value, like a float32 tensor. Throws std::invalid_argument if `values.size()` is
/// not the product of `shape` (built with -fno-exceptions: prints the message and aborts).
template <class T, std::size_t R>
std::string format_tensor(std::span<const T> values, const std::array<std::size_t, R>& shape,
                          const format_options& options = {}) {
    return detail::format_any_rank<T>(values, shape, options);
}

/// As above, for any contiguous range of float or double (std::vector, a span returned by a
/// ctgrad program...) and a shape written in place: `format_tensor(dw, {2, 10})`.
template <detail::float_range Range, std::size_t R>
std::string format_tensor(const Range& values, const std::size_t (&shape)[R], const format_options& options = {}) {
    return detail::format_any_rank(detail::as_const_span(values), std::span<const std::size_t>(shape), options);
}

/// As above, with a shape known at run time only, such as `ctgrad::reference::tensor`'s
/// `extents`: `format_tensor(r.values, r.extents)`. An empty shape is a scalar.
template <detail::float_range Range>
std::string format_tensor(const Range& values, std::span<const std::size_t> shape, const format_options& options = {}) {
    return detail::format_any_rank(detail::as_const_span(values), shape, options);
}

/// A scalar (a 0-dimensional tensor, such as a loss): `tensor(0.2443)`.
template <std::floating_point T>
std::string format_tensor(T value, const format_options& options = {}) {
    return detail::format_any_rank(std::span<const T>(&value, 1), std::span<const std::size_t>(), options);
}

/// A shape as PyTorch prints `t.shape`: `torch.Size([1, 2])`; the shape of a scalar is
/// `torch.Size([])`.
inline std::string format_shape(std::span<const std::size_t> shape) {
    std::string s = "torch.Size([";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "])";
}

/// As above, for a shape of static rank: `format_shape(std::array<std::size_t, 0>{})` is
/// `torch.Size([])`.
template <std::size_t R>
std::string format_shape(const std::array<std::size_t, R>& shape) {
    return format_shape(std::span<const std::size_t>(shape));
}

/// As above, for a shape written in place: `format_shape({1, 2})`.
template <std::size_t R>
std::string format_shape(const std::size_t (&shape)[R]) {
    return format_shape(std::span<const std::size_t>(shape));
}

}  // namespace ctgrad::io
