# ab_embed_text(TARGET SYMBOL FILE): compile FILE's bytes into TARGET as
#   extern const char SYMBOL[];  (NUL-terminated)
# so a connector's spec has one source of truth (specs/*.json) that ships
# inside the binary. Regenerated whenever the file changes.
function(ab_embed_text target symbol file)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/${symbol}.c)
    add_custom_command(
        OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out}
                -DSYMBOL=${symbol} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedGen.cmake
        DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/EmbedGen.cmake
        COMMENT "Embedding ${file}")
    target_sources(${target} PRIVATE ${out})
endfunction()
