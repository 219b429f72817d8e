# Compiles one compile-fail case and checks that it fails with the message its first line
# announces (`// EXPECT: text`). Run as:
#   cmake -DCOMPILER=... -DSOURCE=... -DINCLUDE=... -DOUT=... -P check.cmake
file(STRINGS "${SOURCE}" first_line LIMIT_COUNT 1)
string(REGEX REPLACE "^// EXPECT: " "" expected "${first_line}")
# The whole diagnostic must stay short enough to read: at most 20 000 characters, or what the
# case's `// MAX_BYTES: N` line allows (uncommon mistakes of people extending ctgrad).
file(STRINGS "${SOURCE}" max_line REGEX "^// MAX_BYTES: [0-9]+$" LIMIT_COUNT 1)
set(max_bytes 20000)
if(max_line)
  string(REGEX REPLACE "^// MAX_BYTES: " "" max_bytes "${max_line}")
endif()
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
if(length GREATER max_bytes)
  message(FATAL_ERROR "${SOURCE}: the diagnostic is ${length} characters, over ${max_bytes}: a mistake should "
                      "give one short error ('${expected}' at line ${message_line} of ${lines})")
endif()
message(STATUS "compile-fail ok: '${expected}' at line ${message_line} of ${lines} (${length} characters)")
