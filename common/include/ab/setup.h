/*
 * Project prelude: included first by every C file of the core and the
 * connectors. It pins the POSIX level and defines the attribute macros the
 * headers use, so that every translation unit sees the same environment.
 */
#ifndef AB_SETUP_H
#define AB_SETUP_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define AB_NODISCARD __attribute__((warn_unused_result))
#define AB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define AB_NODISCARD
#define AB_PRINTF(fmt, args)
#endif

#endif /* AB_SETUP_H */
