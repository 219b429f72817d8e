#pragma once
// Reading scikit-learn's bundled data sets (Debian's python3-sklearn ships them under
// /usr/lib/python3/dist-packages/sklearn/datasets/data/) without Python: comma-separated
// numbers, one sample a line, the class label last, optionally gzip-compressed (zlib reads
// plain files too). Two layouts exist:
//   header::sklearn  a first line "n_samples,n_features,class names..." (breast_cancer.csv,
//                    iris.csv); both counts are checked against the rows that follow
//   header::none     numbers only (digits.csv.gz); every row as wide as the first
// Anything malformed throws `csv_error`, whose message names the file, the line and what is
// wrong with it, so a truncated download or a wrong file is reported, never trained on.

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace training {

/// A malformed or unreadable data file: "FILE:LINE: what is wrong" (LINE is 1-based, absent
/// when the problem is the whole file).
class csv_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Does the file start with sklearn's count line?
enum class header { sklearn, none };

/// Samples read from a file: `x` row-major (rows() x features), one integer label per row.
struct labelled_data {
    std::size_t features = 0;
    std::vector<double> x;
    std::vector<int> labels;
    std::vector<std::string> class_names;  ///< from the header line (empty without one)

    std::size_t rows() const { return labels.size(); }
    /// The number of classes: the header's names, else the largest label + 1.
    std::size_t classes() const {
        std::size_t k = class_names.size();
        for (int l : labels)
            k = std::max(k, static_cast<std::size_t>(l) + 1);
        return k;
    }
};

namespace csv_detail {

/// The whole file, decompressed if it is gzip. Throws csv_error if it cannot be read.
inline std::string read_all(const std::string& path) {
    const std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
    if (!f)
        throw csv_error(path + ": cannot open the file");
    std::string text;
    char buffer[1 << 16];
    int got = 0;
    while ((got = gzread(f.get(), buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<std::size_t>(got));
    int code = Z_OK;
    const char* message = gzerror(f.get(), &code);
    if (got < 0 || code != Z_OK)  // Z_BUF_ERROR: a gzip stream that ends early (truncated)
        throw csv_error(path + ": cannot read the file (" + (message && *message ? message : "zlib error") + ")");
    return text;
}

/// The comma-separated fields of a line, each without surrounding blanks.
inline std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        const std::size_t comma = line.find(',', start);
        std::string_view f = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!f.empty() && (f.front() == ' ' || f.front() == '\t'))
            f.remove_prefix(1);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t'))
            f.remove_suffix(1);
        out.push_back(f);
        if (comma == std::string_view::npos)
            return out;
        start = comma + 1;
    }
}

/// Where a problem is: "FILE:LINE: ".
inline std::string at(const std::string& path, std::size_t line) {
    return path + ":" + std::to_string(line) + ": ";
}

/// Does the whole field `f` spell a finite number? Then it is in `v`.
inline bool parse_finite(std::string_view f, double& v) {
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    return !f.empty() && ec == std::errc{} && end == f.data() + f.size() && std::isfinite(v);
}

/// The finite number a field holds, or csv_error naming the field.
inline double number(std::string_view f, const std::string& path, std::size_t line, std::size_t column) {
    double v = 0;
    if (!parse_finite(f, v))
        throw csv_error(at(path, line) + "field " + std::to_string(column) + " is '" + std::string(f) +
                        "', not a finite number");
    return v;
}

/// A non-negative integer field (a count or a label; "3.0" is 3), or csv_error saying `what` it is.
inline int integer(std::string_view f, const std::string& path, std::size_t line, std::size_t column,
                   const char* what) {
    double v = 0;
    if (!parse_finite(f, v) || v < 0 || v != std::floor(v) || v > 1e9)
        throw csv_error(at(path, line) + what + " (field " + std::to_string(column) + ") is '" + std::string(f) +
                        "', not a non-negative integer");
    return static_cast<int>(v);
}

}  // namespace csv_detail

/// Reads a data file (plain or gzip) of `layout`. Blank lines are skipped; a trailing '\r'
/// (Windows line ends) is ignored. Throws csv_error naming file and line on any malformed row.
inline labelled_data load_csv(const std::string& path, header layout) {
    using namespace csv_detail;
    const std::string text = read_all(path);
    labelled_data d;
    std::size_t expected_rows = 0, width = 0;  // width: fields per data row (0: from the first row)
    bool header_pending = layout == header::sklearn;
    std::size_t line_no = 0, header_line = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        const auto f = fields(line);
        if (header_pending) {
            if (f.size() < 2)
                throw csv_error(at(path, line_no) + "expected the header 'n_samples,n_features,class names...', got '" +
                                std::string(line) + "'");
            expected_rows = static_cast<std::size_t>(integer(f[0], path, line_no, 1, "n_samples in the header"));
            d.features = static_cast<std::size_t>(integer(f[1], path, line_no, 2, "n_features in the header"));
            if (d.features == 0)
                throw csv_error(at(path, line_no) + "the header announces 0 features");
            for (std::size_t i = 2; i < f.size(); ++i)
                d.class_names.emplace_back(f[i]);
            width = d.features + 1;
            header_pending = false;
            header_line = line_no;
            continue;
        }
        if (width == 0) {
            if (f.size() < 2)
                throw csv_error(at(path, line_no) + "1 field: a row needs at least one feature and a label");
            width = f.size();
            d.features = width - 1;
        }
        if (f.size() != width)
            throw csv_error(at(path, line_no) + std::to_string(f.size()) + " fields, expected " + std::to_string(width) +
                            " (" + std::to_string(width - 1) + " features and the label)");
        for (std::size_t j = 0; j + 1 < width; ++j)
            d.x.push_back(number(f[j], path, line_no, j + 1));
        const int label = integer(f[width - 1], path, line_no, width, "the label");
        if (!d.class_names.empty() && static_cast<std::size_t>(label) >= d.class_names.size())
            throw csv_error(at(path, line_no) + "label " + std::to_string(label) + ", but the header names " +
                            std::to_string(d.class_names.size()) + " classes");
        d.labels.push_back(label);
    }
    if (header_pending)
        throw csv_error(path + ": empty file, expected the header 'n_samples,n_features,class names...'");
    if (layout == header::sklearn && d.rows() != expected_rows)
        throw csv_error(path + ": the header (line " + std::to_string(header_line) + ") announces " +
                        std::to_string(expected_rows) + " rows, the file has " + std::to_string(d.rows()));
    if (d.rows() == 0)
        throw csv_error(path + ": no data rows");
    return d;
}

}  // namespace training
