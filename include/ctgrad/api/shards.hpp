#pragma once
/// \file
/// Sharded evaluation: a program's call split into shards of batch rows, each evaluated into a
/// partial result (the loss reductions' sums and the parameter gradients' sums), and the
/// partials combined in a fixed order. Any scheduler can drive it: a loop, a thread pool,
/// OpenMP (ctgrad/parallel/openmp.hpp), MPI ranks (examples/mpi/).
///
///     auto call = ctgrad::prepare_shards(step, bind(x, xs), bind(t, ts), bind(w, ws), dw, db);
///     for (std::size_t i = 0; i < call.shards(); ++i) call.run(i);   // any thread, any order
///     call.combine();                                                  // or combine(part, parts)
///     auto [loss, gw, gb] = call.finish();
///
/// What stays whole: the state (extents, bound data) is the whole batch's, so a mean divides
/// by the whole batch, and the tiles are the whole call's (cut at the shard's last row); per
/// row barriers (a row's log-sum-exp, its products) never cross a shard. What is sharded is
/// linear in the rows: the loss reductions' sums (combined *before* the loss is finished, so a
/// loss that is a nonlinear function of them, value(log(sum(e))), is right too) and the
/// gradients' sums over rows. Gradients with the batch axis (dx of wrt(x)) are written by the
/// shard that owns the rows, straight into the caller's buffer.
///
/// Determinism: the layout (shard boundaries) is a function of the batch size and the
/// model's sizes, never of the threads; each partial is evaluated by one thread in a fixed
/// order; the partials are combined by one fixed binary tree. So the loss and gradients are
/// the same bits whatever runs the shards, and however many threads.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/detail/errors.hpp"
#include "ctgrad/api/program.hpp"

namespace ctgrad {

/// How the rows [0, rows) of a batch are split into `count` shards: shard i holds the rows
/// [first(i), last(i)), the first rows % count shards one row more than the others.
struct shard_layout {
    std::size_t rows = 0;
    std::size_t count = 1;

    /// The default rule's constants: at least `min_rows` rows and `min_work` units of work
    /// (rows × (parameter elements + input elements per row)) per shard, at most `max_shards`
    /// shards, and a power of two of them.
    static constexpr std::size_t min_rows = 128;
    static constexpr std::size_t min_work = std::size_t{1} << 18;
    static constexpr std::size_t max_shards = 64;

    constexpr std::size_t first(std::size_t i) const {
        const std::size_t q = rows / count, r = rows % count;
        return i * q + std::min(i, r);
    }
    constexpr std::size_t last(std::size_t i) const { return first(i + 1); }

    /// `count` shards of `rows` rows, as even as can be.
    static constexpr shard_layout even(std::size_t rows, std::size_t count) { return {rows, count}; }

    /// The default layout of `rows` rows when one row costs `row_work` units (what
    /// prepare_shards uses): one shard below 2 × min_rows rows or 2 × min_work units of work, so
    /// small calls are the serial call.
    static constexpr shard_layout for_rows(std::size_t rows, std::size_t row_work) {
        const std::size_t by_rows = rows / min_rows;
        const std::size_t by_work = row_work == 0 ? by_rows : rows / std::max<std::size_t>(1, min_work / row_work);
        const std::size_t n = std::min({by_rows, by_work, max_shards});
        return {rows, n <= 1 ? 1 : std::bit_floor(n)};
    }
};

inline namespace CTGRAD_ISA_NAMESPACE {

/// A prepared call of `Program` on data of element type T, split into the shards of a layout;
/// made by `prepare_shards`. Holds the workspace of the partials (allocated once, when it is
/// made; nothing is allocated per call), pointers to the bound memory and to the gradient
/// buffers, as `program::prepared` does.
///
/// Thread safety: `run(i)` for different i, and `combine(p, parts)` for different p, may run
/// at once; a combine must follow every run, and `finish` every combine. One call object per
/// concurrent evaluation.
template <class L, class... W, class T>
class sharded_call<program<L, W...>, T> {
    using prog = program<L, W...>;
    using plan = typename prog::plan;
    using pass = detail::executor<plan, T>;
    using state = typename pass::state;
    using Row = typename plan::row_axis;
    static constexpr std::size_t G = sizeof...(W);
    static constexpr std::size_t S = plan::reductions::size;

    /// A gradient with the rows as its first axis is owned row by row by the shards (dx);
    /// any other (the parameters') is a sum over rows, one partial per shard.
    template <class V>
    static constexpr bool rows_of_variable = [] {
        using Sh = shape_of_t<V>;
        if constexpr (Sh::rank == 0)
            return false;
        else
            return std::is_same_v<typename detail::axis_at<Sh, 0>::type, Row> &&
                   detail::tl_contains_v<typename plan::all_axes, Row>;
    }();
    static constexpr std::array<bool, G + 1> row_owned{rows_of_variable<W>..., false};

public:
    using value_type = T;
    using prepared_type = typename prog::template prepared<T>;

    /// The call `prepared` split by `layout` (prepare_shards makes it). Throws
    /// `evaluation_error` (errc::shard_layout) if the layout does not cover the batch's rows.
    sharded_call(const prepared_type& prepared, shard_layout layout)
        : st_(prepared.st_), out_(prepared.out_), out_size_(prepared.out_size_), layout_(layout) {
        const std::size_t rows = pass::rows(st_);
        if (layout.rows != rows || layout.count == 0)
            detail::throw_or_abort<evaluation_error>(
                status{errc::shard_layout, {}, Row::name.view(), rows, layout.rows});
        std::size_t bytes = round_up(S * sizeof(double));
        for (std::size_t j = 0; j < G; ++j) {
            offset_[j] = bytes;
            bytes += row_owned[j] ? 0 : round_up(out_size_[j] * sizeof(T));
        }
        record_bytes_ = bytes;
        storage_.resize(layout.count * record_bytes_ + alignment);
        failed_.resize(layout.count);
    }
    /// The default layout for this data: shard_layout::for_rows(rows, work of a row).
    explicit sharded_call(const prepared_type& prepared) : sharded_call(prepared, default_layout(prepared)) {}

    const shard_layout& layout() const { return layout_; }
    std::size_t shards() const { return layout_.count; }

    /// Evaluates shard i into its partial (and the rows it owns of gradients with the batch
    /// axis). Returns the status of shard i's rows (class indices) and keeps it for finish;
    /// errc::shard_index for an i beyond the layout (nothing done).
    status try_run(std::size_t i) noexcept {
        if (i >= layout_.count)
            return {errc::shard_index, {}, {}, layout_.count, i};
        const std::size_t r0 = layout_.first(i), r1 = layout_.last(i);
        failed_[i] = check_rows(r0, r1);
        if (!failed_[i].ok())
            return failed_[i];
        std::byte* rec = record(i);
        std::fill_n(sums(rec), S, 0.0);
        std::array<T*, G + 1> out{};
        const std::size_t all_rows = pass::rows(st_);
        for (std::size_t j = 0; j < G; ++j) {
            if (row_owned[j]) {
                const std::size_t cols = all_rows == 0 ? 0 : out_size_[j] / all_rows;
                std::fill(out_[j] + r0 * cols, out_[j] + r1 * cols, T(0));
                out[j] = out_[j];
            } else {
                out[j] = gradient(rec, j);
                std::fill_n(out[j], out_size_[j], T(0));
            }
        }
        pass::run(st_, sums(rec), out.data(), false, r0, r1);
        return {};
    }
    /// As try_run; throws `evaluation_error` on a bad index or bad rows.
    void run(std::size_t i) {
        if (const status s = try_run(i); !s.ok())
            detail::throw_or_abort<evaluation_error>(s);
    }

    /// Combines the partials of all shards by the fixed tree (below) into the gradient buffers
    /// and partial 0's sums, for the elements of part `part` of `parts` (equal slices of the
    /// gradients; part 0 also takes the sums): call it once with (0, 1), or once per part from
    /// as many threads. Does nothing if a shard failed.
    void combine(std::size_t part = 0, std::size_t parts = 1) noexcept {
        if (parts == 0 || part >= parts || any_failed())
            return;
        if (part == 0) {
            tree_sums(0, layout_.count);
            parameters_pending_ = true;  // finish adds the passes over parameters, once
        }
        std::size_t total = 0;
        for (std::size_t j = 0; j < G; ++j)
            total += row_owned[j] ? 0 : out_size_[j];
        const std::size_t slice = (total + parts - 1) / parts;
        const std::size_t lo = std::min(total, part * slice), hi = std::min(total, lo + slice);
        std::size_t base = 0;
        for (std::size_t j = 0; j < G; ++j) {
            if (row_owned[j])
                continue;
            const std::size_t n = out_size_[j];
            const std::size_t e0 = std::clamp(lo, base, base + n) - base, e1 = std::clamp(hi, base, base + n) - base;
            if (e0 < e1)
                reduce_into(out_[j], j, e0, e1);
            base += n;
        }
    }

    /// The loss and the gradients (as program::prepared's call returns them) once every shard
    /// ran and was combined. Throws `evaluation_error` with the first failed shard's status
    /// (in shard order), the loss and the parameter gradients left unwritten.
    /// Terms over parameters alone (weight decay: `sum(pow<2>(w))`) are not sums over rows: they
    /// are added here, once, to the combined sums and gradients.
    auto finish() {
        T loss{};
        if (const status s = try_finish(loss); !s.ok())
            detail::throw_or_abort<evaluation_error>(s);
        return result(loss);
    }
    status try_finish(T& loss) noexcept {
        if (const status s = first_failure(); !s.ok())
            return s;
        if (parameters_pending_) {
            detail::run_parameter_passes<plan, T>(st_, sums(record(0)), out_.data());
            parameters_pending_ = false;
        }
        loss = static_cast<T>(detail::evaluate_scalar<plan, L, T>(L{}, sums(record(0)), st_));
        return {};
    }

    /// Runs every shard, combines and finishes on this thread: the bits any scheduler gets.
    /// With one shard it is the prepared call itself.
    auto operator()() {
        T loss{};
        if (const status s = try_evaluate(loss); !s.ok())
            detail::throw_or_abort<evaluation_error>(s);
        return result(loss);
    }
    status try_evaluate(T& loss) noexcept {
        if (layout_.count == 1) {  // the serial call, as program::prepared runs it
            if (const status s = detail::check_passes<plan, T>(st_); !s.ok())
                return s;
            prog::execute(loss, st_, out_, out_size_);
            return {};
        }
        for (std::size_t i = 0; i < layout_.count; ++i)
            (void)try_run(i);
        combine();
        return try_finish(loss);
    }

    // ---- partials as bytes: for schedulers that move them (MPI) ----------------------------

    /// Bytes of one partial: the loss sums (doubles), then each parameter gradient (T).
    std::size_t partial_bytes() const { return record_bytes_; }
    /// Shard i's partial, after run(i) (or combine_shards).
    std::span<std::byte> partial(std::size_t i) {
        check_index(i);
        return {record(i), record_bytes_};
    }
    /// Combines the partials of shards [first, last) by the fixed tree into partial(first).
    /// When [first, last) is a node of the whole tree (e.g. a power-of-two count split into
    /// power-of-two blocks), adding the blocks' partials as the tree does gives the bits of
    /// combine().
    void combine_shards(std::size_t first, std::size_t last) {
        if (first >= last || last > layout_.count)
            detail::throw_or_abort<evaluation_error>(status{errc::shard_index, {}, {}, layout_.count, last});
        tree(first, last);
    }
    /// into += from, element by element (sums and gradients): the combining operation, for
    /// a scheduler's reduction (MPI_Allreduce with an operation of its own).
    void accumulate(std::span<std::byte> into, std::span<const std::byte> from) const {
        check_partial(into.size());
        check_partial(from.size());
        add_record(into.data(), from.data());
    }
    /// As finish(), from a partial combined elsewhere: the loss from its sums, its parameter
    /// gradients copied into the gradient buffers.
    auto finish(std::span<const std::byte> combined) {
        check_partial(combined.size());
        if (const status s = first_failure(); !s.ok())
            detail::throw_or_abort<evaluation_error>(s);
        for (std::size_t j = 0; j < G; ++j)
            if (!row_owned[j])
                std::memcpy(out_[j], combined.data() + offset_[j], out_size_[j] * sizeof(T));
        double s[S + 1];
        std::memcpy(s, combined.data(), S * sizeof(double));
        detail::run_parameter_passes<plan, T>(st_, s, out_.data());  // once, on the combined partial
        return result(static_cast<T>(detail::evaluate_scalar<plan, L, T>(L{}, s, st_)));
    }

private:
    static constexpr std::size_t alignment = 64;
    static constexpr std::size_t round_up(std::size_t b) { return (b + alignment - 1) / alignment * alignment; }

    static shard_layout default_layout(const prepared_type& p) {
        const std::size_t rows = pass::rows(p.st_);
        std::size_t work = 0;  // per row: parameter elements, and elements of bound rows
        for (std::size_t j = 0; j < G; ++j)
            work += row_owned[j] ? 0 : p.out_size_[j];
        detail::tl_for_each(typename plan::variables{}, [&](auto v, auto) {
            using V = typename decltype(v)::type;
            if constexpr (rows_of_variable<V>)
                work += rows == 0 ? 0 : p.st_.size_of(shape_of_t<V>{}) / rows;
        });
        return shard_layout::for_rows(rows, work);
    }

    std::byte* record(std::size_t i) const {
        auto* base = const_cast<std::byte*>(storage_.data());
        const auto a = reinterpret_cast<std::uintptr_t>(base);
        return base + (round_up(a) - a) + i * record_bytes_;
    }
    static double* sums(std::byte* rec) { return reinterpret_cast<double*>(rec); }
    T* gradient(std::byte* rec, std::size_t j) const { return reinterpret_cast<T*>(rec + offset_[j]); }

    void check_index(std::size_t i) const {
        if (i >= layout_.count)
            detail::throw_or_abort<evaluation_error>(status{errc::shard_index, {}, {}, layout_.count, i});
    }
    void check_partial(std::size_t bytes) const {
        if (bytes != record_bytes_)
            detail::throw_or_abort<std::invalid_argument>(
                "ctgrad: a partial of " + std::to_string(bytes) + " bytes, this call's have " +
                std::to_string(record_bytes_) + " (sharded_call::partial_bytes)");
    }

    /// Class indices of the rows [r0, r1), for every one_hot of the plan.
    status check_rows(std::size_t r0, std::size_t r1) const {
        status err;
        detail::tl_for_each(typename plan::buffered{}, [&](auto n, auto) {
            using N = typename decltype(n)::type;
            if constexpr (detail::barrier_of<N>::kind == detail::barrier_kind::one_hot) {
                using info = detail::barrier_of<N>;
                using Y = typename info::labels;
                const std::size_t classes = st_.template extent_of<typename info::classes>();
                const T* y = st_.template data_of<Y>();
                std::size_t lo = r0, hi = r1;
                if constexpr (!rows_of_variable<Y>) {  // labels not by row: all of them, by every shard
                    lo = 0;
                    hi = st_.size_of(shape_of_t<Y>{});
                }
                for (std::size_t i = lo; i < hi && err.ok(); ++i) {
                    const T v = y[i];
                    if (!(v >= 0 && v < static_cast<T>(classes) && v == static_cast<T>(static_cast<std::size_t>(v))))
                        err = {errc::class_index, detail::name_of<Y>(), info::classes::name.view(), classes, i};
                }
            }
        });
        return err;
    }
    bool any_failed() const {
        for (const status& s : failed_)
            if (!s.ok())
                return true;
        return false;
    }
    status first_failure() const {
        for (const status& s : failed_)
            if (!s.ok())
                return s;
        return {};
    }

    auto result(T loss) const {
        if constexpr (G == 0) {
            return loss;
        } else {
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return std::make_tuple(loss, std::span<T>(out_[I], out_size_[I])...);
            }(std::index_sequence_for<W...>{});
        }
    }

    // ---- the fixed tree ---------------------------------------------------------------------
    // tree(first, last) leaves in partial(first) the sum of the partials [first, last): split at
    // first + h, h the largest power of two below last − first, each half first, then
    // partial(first) += partial(first + h). The order depends on the count alone.

    static std::size_t split(std::size_t n) { return std::bit_floor(n - 1); }  // n ≥ 2

    template <class U>
    static void add(U* into, const U* from, std::size_t n) {
        for (std::size_t e = 0; e < n; ++e)
            into[e] += from[e];
    }
    /// The tree over [first, last): add(into, from) for each pair, children before parents.
    template <class Add>
    static void tree_of(std::size_t first, std::size_t last, const Add& add_pair) {
        if (last - first < 2)
            return;
        const std::size_t mid = first + split(last - first);
        tree_of(first, mid, add_pair);
        tree_of(mid, last, add_pair);
        add_pair(first, mid);
    }
    /// Elements [e0, e1) of gradient j of [first, last) into partial(first).
    void tree_elements(std::size_t first, std::size_t last, std::size_t j, std::size_t e0, std::size_t e1) const {
        tree_of(first, last, [&](std::size_t a, std::size_t b) {
            add(gradient(record(a), j) + e0, gradient(record(b), j) + e0, e1 - e0);
        });
    }
    void tree_sums(std::size_t first, std::size_t last) const {
        tree_of(first, last, [&](std::size_t a, std::size_t b) { add(sums(record(a)), sums(record(b)), S); });
    }
    /// Whole partials (sums and every gradient) of [first, last) into partial(first).
    void tree(std::size_t first, std::size_t last) const {
        tree_of(first, last, [&](std::size_t a, std::size_t b) { add_record(record(a), record(b)); });
    }
    void add_record(std::byte* into, const std::byte* from) const {
        add(reinterpret_cast<double*>(into), reinterpret_cast<const double*>(from), S);
        for (std::size_t j = 0; j < G; ++j)
            if (!row_owned[j])
                add(reinterpret_cast<T*>(into + offset_[j]), reinterpret_cast<const T*>(from + offset_[j]),
                    out_size_[j]);
    }
    /// dst[e0, e1) = the whole tree's sum of gradient j's elements: its two halves, then their
    /// sum stored (not added) into the caller's buffer.
    void reduce_into(T* dst, std::size_t j, std::size_t e0, std::size_t e1) const {
        const std::size_t n = layout_.count;
        if (n == 1) {
            std::copy(gradient(record(0), j) + e0, gradient(record(0), j) + e1, dst + e0);
            return;
        }
        const std::size_t mid = split(n);
        tree_elements(0, mid, j, e0, e1);
        tree_elements(mid, n, j, e0, e1);
        const T* a = gradient(record(0), j);
        const T* b = gradient(record(mid), j);
        for (std::size_t e = e0; e < e1; ++e)
            dst[e] = a[e] + b[e];
    }

    state st_;
    std::array<T*, G + 1> out_{};
    std::array<std::size_t, G + 1> out_size_{};
    shard_layout layout_;
    std::array<std::size_t, G + 1> offset_{};
    std::size_t record_bytes_ = 0;
    std::vector<std::byte> storage_;
    std::vector<status> failed_;
    bool parameters_pending_ = false;  // combined since the last finish: its parameter passes are due
};

/// Prepares `step`'s call on `args...` (as `program::prepare`: bindings, then gradient buffers)
/// and splits it into shards: the default layout (shard_layout::for_rows), or `layout`.
/// Throws `evaluation_error` as prepare does, and errc::shard_layout for a layout that does
/// not cover the batch's rows.
template <class L, class... W, class... Args>
auto prepare_shards(const program<L, W...>& step, Args&&... args) {
    using T = typename std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Args...>>>::value_type;
    return sharded_call<program<L, W...>, T>(step.prepare(std::forward<Args>(args)...));
}
template <class L, class... W, class... Args>
auto prepare_shards(const program<L, W...>& step, shard_layout layout, Args&&... args) {
    using T = typename std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Args...>>>::value_type;
    return sharded_call<program<L, W...>, T>(step.prepare(std::forward<Args>(args)...), layout);
}

}  // namespace CTGRAD_ISA_NAMESPACE
}  // namespace ctgrad
