#pragma once
// The command line shared by the training examples, and finding their data file:
//   EXAMPLE [DATA] [--plot FILE.svg] [--epochs N]
// DATA is the data file or the directory holding it (default: Debian's python3-sklearn
// location); the plot goes to the current directory unless --plot says otherwise.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "dataset.hpp"

namespace training {

/// What the command line asked for.
struct cli_options {
    std::string data;                   ///< empty: the Debian location
    std::string plot;                   ///< where to write the SVG plot
    std::optional<std::size_t> epochs;  ///< overrides the example's number of epochs
};

/// Parses argv; prints the usage and returns nothing on --help or a malformed command line
/// (`exit_code` says which: 0 or 2).
inline std::optional<cli_options> parse_cli(int argc, char** argv, const std::string& default_plot,
                                            const char* data_file, int& exit_code) {
    cli_options o{{}, default_plot, {}};
    const auto usage = [&](int code) {
        std::fprintf(code ? stderr : stdout,
                     "usage: %s [DATA] [--plot FILE.svg] [--epochs N]\n"
                     "  DATA      %s, or the directory holding it (default: "
                     "/usr/lib/python3/dist-packages/sklearn/datasets/data)\n"
                     "  --plot    where to write the loss and accuracy curves (default: %s)\n"
                     "  --epochs  train for N epochs instead of the tuned number\n",
                     argv[0], data_file, default_plot.c_str());
        exit_code = code;
        return std::optional<cli_options>{};
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h")
            return usage(0);
        if ((a == "--plot" || a == "--epochs") && i + 1 < argc) {
            const std::string v = argv[++i];
            if (a == "--plot") {
                o.plot = v;
            } else {
                char* end = nullptr;
                const unsigned long n = std::strtoul(v.c_str(), &end, 10);
                if (v.empty() || *end != '\0' || n == 0)
                    return usage(2);
                o.epochs = n;
            }
        } else if (!a.empty() && a.front() != '-' && o.data.empty()) {
            o.data = a;
        } else {
            return usage(2);
        }
    }
    return o;
}

/// The command line and the data file it names, for an example to start from.
struct example_start {
    cli_options options;
    std::string file;  ///< the data file found
};

/// Parses the command line and finds the data file `data_file`. Returns nothing when the
/// example should stop, with its exit status in `exit_code`: after --help (0), a malformed
/// command line (2), or a missing file, having said how to get it (exit_no_data, 77).
inline std::optional<example_start> start_example(int argc, char** argv, const std::string& default_plot,
                                                  const char* data_file, int& exit_code) {
    auto options = parse_cli(argc, argv, default_plot, data_file, exit_code);
    if (!options)
        return {};
    std::string file = find_data_file(options->data, data_file);
    if (file.empty()) {
        std::fprintf(stderr, "%s\n", how_to_get_data(data_file).c_str());
        exit_code = exit_no_data;
        return {};
    }
    return example_start{*options, file};
}

}  // namespace training
