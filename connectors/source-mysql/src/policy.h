/*
 * Column policies: per (table, column) LIKE patterns that either drop a
 * column (exclude: absent from discover and never selected) or replace
 * its value with the salted SHA-256 digest (hash). They exist so that
 * password hashes and tokens never leave the database.
 */
#ifndef SM_POLICY_H
#define SM_POLICY_H

#include <ab/setup.h>
#include <ab/rc.h>

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum sm_action { SM_ACT_KEEP = 0, SM_ACT_HASH = 1, SM_ACT_EXCLUDE = 2 };

/* Patterns are borrowed: from the config document or static preset
 * tables, both outliving the policies. */
struct sm_policy {
    const char *table;
    const char *column;
    enum sm_action action;
};

struct sm_policies {
    struct sm_policy *items; /* owned array */
    size_t count;
};

/*
 * SQL LIKE match: '%' any run of characters, '_' one character (one
 * UTF-8 sequence), '\' escapes the next character. ASCII letters match
 * case-insensitively, as MySQL's default collations do for names.
 */
bool sm_like_match(const char *pattern, const char *text);

/*
 * Build from the config: `list` is the column_policies array (may be
 * NULL), `preset` the column_policy_preset value ("none", "ontrack" or
 * NULL). An unknown preset or action is a config_error.
 */
AB_NODISCARD enum ab_rc sm_policies_init(struct sm_policies *p,
                                         const json_t *list, const char *preset,
                                         struct ab_error *err);
void sm_policies_cleanup(struct sm_policies *p);

/* What to do with `column` of `table`: the strictest matching policy
 * (exclude beats hash beats keep). */
enum sm_action sm_policy_action(const struct sm_policies *p, const char *table,
                                const char *column);

/* True when at least one policy hashes. */
bool sm_policies_hash(const struct sm_policies *p);

/* The built-in OnTrack preset, for the docs test (borrowed, static). */
const struct sm_policy *sm_policy_preset(const char *name, size_t *count);

#endif /* SM_POLICY_H */
