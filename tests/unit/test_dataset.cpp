// The training examples' support code (examples/training/): the CSV loader on well-formed and
// malformed files, plain and gzip, with and without sklearn's count line; the fixed-seed
// randomness that training_common.py reproduces (values computed by that script); split,
// standardisation, targets, SGD's update (the library's, as the examples use it), gathering a
// mini-batch, and the SVG writer.

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <ctgrad/optim/sgd.hpp>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <unistd.h>  // getpid

#include "csv.hpp"
#include "dataset.hpp"
#include "random.hpp"
#include "svg_plot.hpp"

namespace {

using namespace training;
namespace fs = std::filesystem;

/// A fresh file under the temporary directory, removed at the end of the test.
class temp_file {
public:
    explicit temp_file(const std::string& name)
        : path_(fs::temp_directory_path() / ("ctgrad_test_dataset_" + std::to_string(::getpid()) + "_" + name)) {}
    ~temp_file() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    /// Writes `text` as is.
    const temp_file& write(const std::string& text) const {
        std::ofstream(path_, std::ios::binary) << text;
        return *this;
    }
    /// Writes `text` gzip-compressed.
    const temp_file& write_gzip(const std::string& text) const {
        gzFile f = gzopen(path_.c_str(), "wb");
        REQUIRE(f != nullptr);
        REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
        REQUIRE(gzclose(f) == Z_OK);
        return *this;
    }
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

/// The message load_csv throws for `text`, or "" if it throws nothing.
std::string error_of(const std::string& text, header h, const std::string& name = "bad.csv") {
    temp_file f(name);
    f.write(text);
    try {
        load_csv(f.path(), h);
    } catch (const csv_error& e) {
        return e.what();
    }
    return "";
}

const std::string sklearn_text = "3,2,no,yes\n1.5,2,0\n-3,4e-1,1\n0,0.25,1\n";

}  // namespace

TEST_CASE("csv: sklearn's layout, the count line checked", "[training][dataset]") {
    temp_file f("good.csv");
    const auto d = load_csv(f.write(sklearn_text).path(), header::sklearn);
    CHECK(d.rows() == 3);
    CHECK(d.features == 2);
    CHECK(d.class_names == std::vector<std::string>{"no", "yes"});
    CHECK(d.x == std::vector<double>{1.5, 2, -3, 0.4, 0, 0.25});
    CHECK(d.labels == std::vector<int>{0, 1, 1});
    CHECK(d.classes() == 2);
}

TEST_CASE("csv: no header, Windows line ends, blank lines, labels written as 3.0", "[training][dataset]") {
    temp_file f("plain.csv");
    const auto d = load_csv(f.write("0.0,1.0,3.0\r\n\r\n2, 3 ,1\r\n\n").path(), header::none);
    CHECK(d.rows() == 2);
    CHECK(d.features == 2);
    CHECK(d.class_names.empty());
    CHECK(d.x == std::vector<double>{0, 1, 2, 3});
    CHECK(d.labels == std::vector<int>{3, 1});
    CHECK(d.classes() == 4);
}

TEST_CASE("csv: gzip is read like the plain file; a truncated one is an error", "[training][dataset]") {
    temp_file plain("same.csv"), packed("same.csv.gz");
    plain.write(sklearn_text);
    packed.write_gzip(sklearn_text);
    const auto a = load_csv(plain.path(), header::sklearn), b = load_csv(packed.path(), header::sklearn);
    CHECK(a.x == b.x);
    CHECK(a.labels == b.labels);
    CHECK(a.class_names == b.class_names);

    // Half of a compressed file: zlib reports the unexpected end, the loader names the file.
    std::string bytes;
    {
        std::ifstream in(packed.path(), std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    temp_file cut("cut.csv.gz");
    cut.write(bytes.substr(0, bytes.size() / 2));
    CHECK_THROWS_WITH(load_csv(cut.path(), header::sklearn),
                      Catch::Contains(cut.path()) && Catch::Contains("cannot read"));
}

TEST_CASE("csv: a missing file names itself", "[training][dataset]") {
    CHECK_THROWS_WITH(load_csv("/nonexistent/dir/breast_cancer.csv", header::sklearn),
                      Catch::Contains("/nonexistent/dir/breast_cancer.csv") && Catch::Contains("cannot open"));
}

TEST_CASE("csv: malformed rows name the file, the line and what is wrong", "[training][dataset]") {
    using Catch::Contains;
    const std::string h = "2,2,a,b\n";
    // Each message starts with FILE:LINE.
    CHECK_THAT(error_of(h + "1,2,0\n1,2\n", header::sklearn), Contains("bad.csv:3: 2 fields, expected 3"));
    CHECK_THAT(error_of(h + "1,2,0\n1,2,0,4\n", header::sklearn), Contains("bad.csv:3: 4 fields, expected 3"));
    CHECK_THAT(error_of(h + "1,x2,0\n", header::sklearn), Contains("bad.csv:2: field 2 is 'x2', not a finite number"));
    CHECK_THAT(error_of(h + "1,,0\n", header::sklearn), Contains("bad.csv:2: field 2 is '', not a finite number"));
    CHECK_THAT(error_of(h + "nan,1,0\n", header::sklearn), Contains("bad.csv:2: field 1 is 'nan'"));
    CHECK_THAT(error_of(h + "1,1e999,0\n", header::sklearn), Contains("bad.csv:2: field 2 is '1e999'"));
    CHECK_THAT(error_of(h + "1,2,0.5\n", header::sklearn), Contains("bad.csv:2: the label (field 3) is '0.5'"));
    CHECK_THAT(error_of(h + "1,2,-1\n", header::sklearn), Contains("not a non-negative integer"));
    CHECK_THAT(error_of(h + "1,2,2\n1,2,0\n", header::sklearn),
               Contains("bad.csv:2: label 2, but the header names 2 classes"));
    // The header itself.
    CHECK_THAT(error_of("", header::sklearn), Contains("bad.csv: empty file"));
    CHECK_THAT(error_of("569\n", header::sklearn), Contains("bad.csv:1: expected the header"));
    CHECK_THAT(error_of("x,2,a,b\n1,2,0\n", header::sklearn), Contains("bad.csv:1: n_samples in the header"));
    CHECK_THAT(error_of("1,0\n", header::sklearn), Contains("bad.csv:1: the header announces 0 features"));
    CHECK_THAT(error_of(h + "1,2,0\n", header::sklearn),
               Contains("bad.csv: the header (line 1) announces 2 rows, the file has 1"));
    // A header read as data when the layout says there is none: its class names are not numbers.
    CHECK_THAT(error_of(h + "1,2,0\n", header::none), Contains("bad.csv:1: field 3 is 'a'"));
    // Without a header, every row as wide as the first.
    CHECK_THAT(error_of("1,2,3\n1,2\n", header::none), Contains("bad.csv:2: 2 fields, expected 3"));
    CHECK_THAT(error_of("7\n", header::none), Contains("bad.csv:1: 1 field"));
    CHECK_THAT(error_of("\n\n", header::none), Contains("bad.csv: no data rows"));
    // A well-formed file gives no error.
    CHECK(error_of(sklearn_text, header::sklearn).empty());
}

TEST_CASE("random: splitmix64 and its permutations are training_common.py's", "[training][dataset]") {
    splitmix64 r(0);
    CHECK(r.next() == 0xe220a8397b1dcdafULL);
    CHECK(r.next() == 0x6e789e6aa1b965f4ULL);
    splitmix64 p(7);
    CHECK(permutation(10, p) == std::vector<std::size_t>{8, 1, 5, 9, 0, 4, 3, 2, 6, 7});
    splitmix64 u(1);
    for (int i = 0; i < 1000; ++i) {
        const double v = u.uniform();
        REQUIRE((v >= 0 && v < 1));
    }
    splitmix64 w(3);
    for (float v : init_uniform(100, 4, w))
        REQUIRE((v >= -0.5f && v < 0.5f));
}

TEST_CASE("dataset: split, standardisation and targets", "[training][dataset]") {
    // 2.5 test rows round to 2, half to even, as Python's round().
    const auto s = split(10, 0.25, 1);
    CHECK(s.test == std::vector<std::size_t>{2, 4});
    CHECK(s.train == std::vector<std::size_t>{0, 1, 3, 5, 6, 7, 8, 9});

    labelled_data d;
    d.features = 2;
    d.x = {1, 5, 3, 5, 5, 5, 100, 5};  // column 2 is constant; row 3 is not a training row
    d.labels = {0, 1, 2, 0};
    const matrix m = standardise(d, {0, 1, 2});
    const float a = static_cast<float>(2 / std::sqrt(8.0 / 3));  // (x - 3) / std of {1, 3, 5}
    CHECK(m.values == std::vector<float>{-a, 0, 0, 0, a, 0, static_cast<float>(97 / std::sqrt(8.0 / 3)), 0});
    CHECK_THROWS_AS(standardise(d, {}), std::invalid_argument);

    const matrix t = targets(d, 3);
    CHECK(t.values == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0});
    const matrix y = class_indices(t);  // cross_entropy's targets: the labels, one column
    CHECK((y.rows == 4 && y.cols == 1 && y.values == std::vector<float>{0, 1, 2, 0}));
    const matrix binary{3, 1, {1, 0, 1}};  // one output: the 0/1 label already is the class
    CHECK(class_indices(binary).values == binary.values);
    CHECK_THROWS_AS(targets(d, 1), std::invalid_argument);  // label 2 with one output
    CHECK_THROWS_AS(targets(d, 2), std::invalid_argument);
}

TEST_CASE("dataset: finding the data file", "[training][dataset]") {
    temp_file f("found.csv");
    f.write(sklearn_text);
    CHECK(find_data_file(f.path(), "ignored.csv") == f.path());
    CHECK(find_data_file(fs::path(f.path()).parent_path().string(), fs::path(f.path()).filename().string()) ==
          f.path());
    CHECK(find_data_file("/nonexistent/dir", "breast_cancer.csv").empty());
    CHECK_THAT(how_to_get_data("digits.csv.gz"), Catch::Contains("apt-get download python3-sklearn"));
}

TEST_CASE("the examples' SGD (ctgrad::optim::sgd): plain and with momentum; gather", "[training][dataset]") {
    using ctgrad::optim::sgd;
    std::vector<float> p{1.0f, -2.0f};
    sgd<float> plain({2}, {.lr = 0.5f});
    plain.step(p, std::vector<float>{2.0f, 1.0f});
    CHECK(p == std::vector<float>{0.0f, -2.5f});

    std::vector<float> q{1.0f};
    sgd<float> heavy({1}, {.lr = 0.5f, .momentum = 0.5f});
    heavy.step(q, std::vector<float>{2.0f});  // v = 2 (the first gradient), q = 1 - 1 = 0
    CHECK(q[0] == 0.0f);
    heavy.step(q, std::vector<float>{2.0f});  // v = 0.5 * 2 + 2 = 3, q = 0 - 1.5
    CHECK(q[0] == -1.5f);
    CHECK_THROWS_AS(heavy.step(q, std::vector<float>{1.0f, 2.0f}), std::invalid_argument);

    matrix m{3, 2, {1, 2, 3, 4, 5, 6}};
    std::vector<float> buffer;
    const std::vector<std::size_t> rows{2, 0};
    const auto g = gather(m, rows, buffer);
    CHECK(std::vector<float>(g.begin(), g.end()) == std::vector<float>{5, 6, 1, 2});
}

TEST_CASE("svg_plot: a file with a polyline per series and escaped text", "[training][dataset]") {
    temp_file f("plot.svg");
    write_svg_plot(f.path(), "loss & <accuracy>", "epoch",
                   {{"loss", "loss", {{"a", {1.0, 0.5, 0.25}}, {"b", {2.0, NAN, 1.0}, "#d62728", true}}},
                    {"flat", "%", {{"c", {3.0, 3.0}}}}});
    std::ifstream in(f.path());
    const std::string svg((std::istreambuf_iterator<char>(in)), {});
    CHECK(svg.rfind("<svg ", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find("loss &amp; &lt;accuracy&gt;") != std::string::npos);
    std::size_t polylines = 0;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
        ++polylines;
    CHECK(polylines == 3);
    CHECK(svg.find("nan") == std::string::npos);
    CHECK_THROWS_AS(write_svg_plot("/nonexistent/dir/plot.svg", "t", "x", {}), std::runtime_error);
}
