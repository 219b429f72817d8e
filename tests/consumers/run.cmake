# Builds and runs the consumer project one way: cmake -DMODE=... -DSOURCE=... -DWORK=... -P run.cmake
file(REMOVE_RECURSE "${WORK}")
set(args -DCTGRAD_CONSUME=${MODE} -DCTGRAD_SOURCE_DIR=${SOURCE})
if(MODE STREQUAL "find_package")  # install ctgrad into a prefix first
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/ctgrad -G Ninja -DCTGRAD_BUILD_TESTS=OFF
                          -DCTGRAD_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=${WORK}/prefix COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${WORK}/ctgrad COMMAND_ERROR_IS_FATAL ANY OUTPUT_QUIET)
  list(APPEND args -DCMAKE_PREFIX_PATH=${WORK}/prefix)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE}/tests/consumers -B ${WORK}/consumer -G Ninja ${args}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/consumer COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${WORK}/consumer/consumer COMMAND_ERROR_IS_FATAL ANY)
