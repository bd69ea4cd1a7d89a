# Script mode helper of Embed.cmake: writes a C array of IN's bytes.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}
    "/* Generated from ${IN}; do not edit. */\n"
    "extern const char ${SYMBOL}[];\n"
    "const char ${SYMBOL}[] = {\n${bytes}0x00};\n")
