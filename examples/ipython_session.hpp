// The lecture examples print their PyTorch sessions as IPython does: `In [41]: code`, then for
// an expression `Out[41]: value` (a value of several lines starts on the next line).
// tests/tools/check_lecture_examples.py reads these lines and replays them in PyTorch.
#pragma once

#include <iostream>
#include <string>
#include <string_view>

namespace ipython {

// A prompt numbered as in the lecture; 0 is a line the lecture does not have: `In [ ]:`.
inline std::string prompt(std::string_view what, int number) {
    return std::string(what) + "[" + (number ? std::to_string(number) : " ") + "]:";
}
inline void in(int number, std::string_view code) {
    std::cout << prompt("In ", number) << ' ' << code << '\n';
}
inline void out(int number, const std::string& value) {
    std::cout << prompt("Out", number) << (value.find('\n') == std::string::npos ? " " : "\n") << value << '\n';
}

}  // namespace ipython
