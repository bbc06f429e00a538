# Fails when a file in core/ includes a folder of core/ on a higher floor than its own. The floors are
# DESIGN.md's, bottom to top; folders on one floor may include one another. embedding/ (the EmbeddingStore of
# DESIGN.md's huge tables: host table, device cache) sits with optim/, whose job it shares
# for parameters that live outside the arena. A folder of core/ that is not
# listed here is an error too, so that a new folder gets a floor when it is made.
#   cmake -DCORE_DIR=<path to a core/ folder> -P check_core_layering.cmake
if(NOT CORE_DIR)
  message(FATAL_ERROR "usage: cmake -DCORE_DIR=<core folder> -P check_core_layering.cmake")
endif()
get_filename_component(CORE_DIR "${CORE_DIR}" ABSOLUTE)

set(floors
  "tensor random config"
  "backend"
  "data"
  "nn"
  "model"
  "optim embedding solvers kernel_methods multitask metrics topology"
  "session"
  "fleet"
  "methods"
  "run"
  "studies")

set(floor_index 0)
foreach(floor IN LISTS floors)
  string(REPLACE " " ";" folders "${floor}")
  foreach(folder IN LISTS folders)
    set(floor_of_${folder} ${floor_index})
  endforeach()
  math(EXPR floor_index "${floor_index} + 1")
endforeach()

file(GLOB_RECURSE sources RELATIVE "${CORE_DIR}" "${CORE_DIR}/*.h" "${CORE_DIR}/*.cpp")
set(violations "")
set(checked 0)
foreach(source IN LISTS sources)
  if(NOT source MATCHES "/")
    continue()  # files at the root of core/ (errors.h) sit below every floor
  endif()
  string(REGEX MATCH "^[^/]+" folder "${source}")
  if(NOT DEFINED floor_of_${folder})
    string(APPEND violations "\n  core/${source}: folder core/${folder}/ has no floor in DESIGN.md's list (add it to this check)")
    continue()
  endif()
  file(STRINGS "${CORE_DIR}/${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"core/[^/\"]+/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"core/([^/\"]+)/.*$" "\\1" target "${line}")
    math(EXPR checked "${checked} + 1")
    if(NOT DEFINED floor_of_${target})
      string(APPEND violations "\n  core/${source} includes core/${target}/, a folder with no floor")
    elseif(floor_of_${target} GREATER floor_of_${folder})
      string(APPEND violations "\n  core/${source} (floor of ${folder}/) includes core/${target}/, which sits above it")
    endif()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "includes in core/ that point up:${violations}")
endif()
message(STATUS "core/ layering: ${checked} includes across folders, none points up")
