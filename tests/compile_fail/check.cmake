# Compiles one compile-fail case and checks that it fails with the message its first line
# announces (`// EXPECT: text`). Run as:
#   cmake -DCOMPILER=... -DSOURCE=... -DINCLUDE=... -DOUT=... -P check.cmake
file(STRINGS "${SOURCE}" first_line LIMIT_COUNT 1)
string(REGEX REPLACE "^// EXPECT: " "" expected "${first_line}")
execute_process(
  COMMAND "${COMPILER}" -std=c++20 -fsyntax-only "-I${INCLUDE}" "${SOURCE}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
file(WRITE "${OUT}" "${output}")
string(LENGTH "${output}" length)
string(REGEX MATCHALL "\n" newlines "${output}")
list(LENGTH newlines lines)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it should fail with: ${expected}")
endif()
string(FIND "${output}" "${expected}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed without the message '${expected}':\n${output}")
endif()
# Where the message first appears, in lines from the top of the compiler's output.
string(SUBSTRING "${output}" 0 ${at} before)
string(REGEX MATCHALL "\n" before_newlines "${before}")
list(LENGTH before_newlines message_line)
math(EXPR message_line "${message_line} + 1")
message(STATUS "compile-fail ok: '${expected}' at line ${message_line} of ${lines} (${length} characters)")
