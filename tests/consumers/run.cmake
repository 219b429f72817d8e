# Builds and runs the README's starter program (examples/quick_start.cpp, as main.cpp) as a
# project of its own that consumes ctgrad one way (MODE):
#   find_package      ctgrad installed into a prefix chosen at install time, find_package
#   add_subdirectory  ctgrad's source tree in the project
#   fetchcontent      FetchContent (from a local path)
#   pkg_config        installed as for find_package, then one plain compiler command line:
#                     CXX -std=c++20 -O2 -march=native $(PKG_CONFIG_PATH=P/share/pkgconfig pkg-config --cflags ctgrad) main.cpp -o app
#                     (the README's command line)
# cmake -DMODE=... -DSOURCE=<ctgrad's source> -DWORK=<scratch dir> -DCXX=<compiler> -P run.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/app")
file(COPY_FILE "${SOURCE}/examples/quick_start.cpp" "${WORK}/app/main.cpp")
set(prefix "${WORK}/prefix")

if(MODE STREQUAL "find_package" OR MODE STREQUAL "pkg_config")
  if(MODE STREQUAL "pkg_config")
    find_program(PKG_CONFIG pkg-config)
    if(NOT PKG_CONFIG)
      message("no pkg-config: skipped (Debian: apt-get install pkg-config)")  # SKIP_REGULAR_EXPRESSION
      return()
    endif()
  endif()
  # Installed as a user would: configured with the default prefix, the prefix chosen at install time.
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/ctgrad -G Ninja -DCTGRAD_BUILD_TESTS=OFF
                          -DCTGRAD_BUILD_EXAMPLES=OFF -DCTGRAD_BUILD_BENCHMARKS=OFF -DCTGRAD_BUILD_DOCS=OFF
                  COMMAND_ERROR_IS_FATAL ANY OUTPUT_QUIET)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/ctgrad --prefix ${prefix}
                  COMMAND_ERROR_IS_FATAL ANY OUTPUT_QUIET)
endif()

if(MODE STREQUAL "pkg_config")
  # The .pc file must point into P, whatever the configure-time prefix was.
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/share/pkgconfig
                          ${PKG_CONFIG} --variable=includedir ctgrad
                  OUTPUT_VARIABLE includedir OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  file(REAL_PATH "${includedir}" includedir)
  file(REAL_PATH "${prefix}/include" expected)
  if(NOT includedir STREQUAL expected)
    message(FATAL_ERROR "pkg-config's includedir for ctgrad is ${includedir}, not ${expected}")
  endif()
  set(command "\"${CXX}\" -std=c++20 -O2 -march=native $(PKG_CONFIG_PATH='${prefix}/share/pkgconfig' '${PKG_CONFIG}' --cflags ctgrad) main.cpp -o app")
  message("${command}")
  execute_process(COMMAND sh -c "${command}" WORKING_DIRECTORY ${WORK}/app COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND ${WORK}/app/app COMMAND_ERROR_IS_FATAL ANY)
  return()
endif()

file(COPY_FILE "${SOURCE}/tests/consumers/${MODE}/CMakeLists.txt" "${WORK}/app/CMakeLists.txt")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK}/app -B ${WORK}/build -G Ninja -DCMAKE_CXX_COMPILER=${CXX}
                        -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} -DCTGRAD_SOURCE_DIR=${SOURCE}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${WORK}/build/app COMMAND_ERROR_IS_FATAL ANY)
