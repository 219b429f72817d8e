#pragma once
// A small SVG line chart writer for training curves: side-by-side panels (e.g. loss and
// accuracy against the epoch), several named series each, axes with round-numbered ticks and
// a legend. Plain text output, no dependency: the file opens in any browser and renders on
// GitHub, so the plots are committed next to docs/training.md.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace training {

/// One curve: y values at x = 1, 2, ... (epochs).
struct plot_series {
    std::string name;
    std::vector<double> y;
    std::string color = "#1f77b4";
    bool dashed = false;
};

/// One panel: a title, a y-axis label and its curves.
struct plot_panel {
    std::string title;
    std::string y_label;
    std::vector<plot_series> series;
};

namespace svg_detail {

/// Text with &, < and > escaped for XML.
inline std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

/// A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals over `span`.
inline double nice_step(double span, int ticks) {
    const double raw = span / ticks;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (raw <= m * p)
            return m * p;
    return 10 * p;
}

/// A number as a tick label: no trailing zeros.
inline std::string label(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", std::fabs(v) < 1e-12 ? 0.0 : v);
    return buf;
}

}  // namespace svg_detail

/// Writes `panels` side by side as an SVG file at `path`, titled `title`, x labelled `x_label`.
/// Throws std::runtime_error if the file cannot be written.
inline void write_svg_plot(const std::string& path, const std::string& title, const std::string& x_label,
                           const std::vector<plot_panel>& panels) {
    using svg_detail::escape;
    using svg_detail::label;
    const double pw = 420, ph = 300, left = 64, right = 16, top = 56, bottom = 48, legend_h = 18;
    std::size_t max_series = 0;
    for (const auto& p : panels)
        max_series = std::max(max_series, p.series.size());
    const double width = static_cast<double>(panels.size()) * (pw + left + right);
    const double height = top + ph + bottom + legend_h * static_cast<double>(max_series) + 8;
    std::ostringstream s;
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(title)
      << "</text>\n";
    for (std::size_t pi = 0; pi < panels.size(); ++pi) {
        const auto& p = panels[pi];
        const double x0 = static_cast<double>(pi) * (pw + left + right) + left, y0 = top;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        std::size_t n = 1;
        for (const auto& c : p.series)
            for (double v : c.y)
                if (std::isfinite(v))
                    lo = std::min(lo, v), hi = std::max(hi, v), n = std::max(n, c.y.size());
        if (!(lo <= hi))
            lo = 0, hi = 1;
        if (hi - lo < 1e-12)
            lo -= 0.5, hi += 0.5;
        const double step = svg_detail::nice_step(hi - lo, 5);
        lo = std::floor(lo / step) * step;
        hi = std::ceil(hi / step) * step;
        const auto X = [&](double e) { return x0 + (n > 1 ? (e - 1) / static_cast<double>(n - 1) : 0.5) * pw; };
        const auto Y = [&](double v) { return y0 + ph - (v - lo) / (hi - lo) * ph; };
        s << "<text x=\"" << x0 + pw / 2 << "\" y=\"" << y0 - 10 << "\" text-anchor=\"middle\" font-size=\"13\">"
          << escape(p.title) << "</text>\n";
        s << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\"" << pw << "\" height=\"" << ph
          << "\" fill=\"none\" stroke=\"#888\"/>\n";
        for (double v = lo; v <= hi + step / 2; v += step) {
            s << "<line x1=\"" << x0 << "\" x2=\"" << x0 + pw << "\" y1=\"" << Y(v) << "\" y2=\"" << Y(v)
              << "\" stroke=\"#e4e4e4\"/>\n"
              << "<text x=\"" << x0 - 6 << "\" y=\"" << Y(v) + 4 << "\" text-anchor=\"end\">" << label(v) << "</text>\n";
        }
        const double xstep = std::max(1.0, svg_detail::nice_step(static_cast<double>(n), 6));
        const auto x_tick = [&](double e) {
            s << "<text x=\"" << X(e) << "\" y=\"" << y0 + ph + 16 << "\" text-anchor=\"middle\">" << label(e)
              << "</text>\n";
        };
        x_tick(1);  // the first epoch, then multiples of the step
        for (double e = xstep; e <= static_cast<double>(n) + 1e-9; e += xstep)
            if (e > 1)
                x_tick(e);
        s << "<text x=\"" << x0 + pw / 2 << "\" y=\"" << y0 + ph + 34 << "\" text-anchor=\"middle\">"
          << escape(x_label) << "</text>\n"
          << "<text transform=\"translate(" << x0 - 48 << "," << y0 + ph / 2
          << ") rotate(-90)\" text-anchor=\"middle\">" << escape(p.y_label) << "</text>\n";
        for (std::size_t ci = 0; ci < p.series.size(); ++ci) {
            const auto& c = p.series[ci];
            s << "<polyline fill=\"none\" stroke=\"" << c.color << "\" stroke-width=\"2\""
              << (c.dashed ? " stroke-dasharray=\"6,4\"" : "") << " points=\"";
            for (std::size_t i = 0; i < c.y.size(); ++i)
                if (std::isfinite(c.y[i]))
                    s << X(static_cast<double>(i + 1)) << "," << Y(c.y[i]) << " ";
            s << "\"/>\n";
            const double ly = y0 + ph + bottom + legend_h * static_cast<double>(ci) + 4;
            s << "<line x1=\"" << x0 << "\" x2=\"" << x0 + 28 << "\" y1=\"" << ly << "\" y2=\"" << ly << "\" stroke=\""
              << c.color << "\" stroke-width=\"2\"" << (c.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n"
              << "<text x=\"" << x0 + 36 << "\" y=\"" << ly + 4 << "\">" << escape(c.name) << "</text>\n";
        }
    }
    s << "</svg>\n";
    std::ofstream out(path);
    out << s.str();
    if (!out)
        throw std::runtime_error(path + ": cannot write the plot");
}

}  // namespace training
