# Flags shared by every library, binary and test, on one INTERFACE target.
add_library(ab_project_options INTERFACE)

target_compile_options(ab_project_options INTERFACE
    -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes
    -Wstrict-prototypes -Wcast-qual -Wwrite-strings
    -Wimplicit-fallthrough -Wformat=2 -Wvla)

if(AB_SANITIZE)
    target_compile_options(ab_project_options INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -fno-omit-frame-pointer -g)
    target_link_options(ab_project_options INTERFACE
        -fsanitize=address,undefined)
endif()

if(AB_FUZZ)
    target_compile_options(ab_project_options INTERFACE
        -fsanitize=fuzzer-no-link,address,undefined -g)
    target_link_options(ab_project_options INTERFACE
        -fsanitize=address,undefined)
endif()

# ab_add_unit_test(NAME SOURCE LIBS...): one cmocka executable per module,
# registered with CTest. Tests are listed explicitly, never globbed, so a
# deleted test cannot vanish silently.
function(ab_add_unit_test name source)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE ${ARGN} PkgConfig::CMOCKA
        ab_project_options)
    set_target_properties(${name} PROPERTIES
        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
endfunction()
