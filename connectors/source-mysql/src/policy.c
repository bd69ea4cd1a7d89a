/*
 * Column policy matching. The OnTrack preset is derived from the schema
 * notes in ../shared/ontrack/README.md: credentials and tokens are
 * excluded, direct personal identifiers are hashed so they still join.
 */
#include <ab/setup.h>

#include "policy.h"

#include <ab/alloc.h>

#include <string.h>

/* Underscores are escaped so each pattern names exactly one column. */
static const struct sm_policy ontrack_preset[] = {
    { "users", "encrypted\\_password", SM_ACT_EXCLUDE },
    { "users", "reset\\_password\\_token", SM_ACT_EXCLUDE },
    { "users", "unlock\\_token", SM_ACT_EXCLUDE },
    { "auth\\_tokens", "authentication\\_token", SM_ACT_EXCLUDE },
    { "moodle\\_integrations", "api\\_key", SM_ACT_EXCLUDE },
    { "user\\_oauth\\_tokens", "token", SM_ACT_EXCLUDE },
    { "user\\_oauth\\_states", "state", SM_ACT_EXCLUDE },
    { "webcals", "guid", SM_ACT_EXCLUDE },
    { "users", "email", SM_ACT_HASH },
    { "users", "username", SM_ACT_HASH },
    { "users", "login\\_id", SM_ACT_HASH },
    { "users", "student\\_id", SM_ACT_HASH },
    { "users", "current\\_sign\\_in\\_ip", SM_ACT_HASH },
    { "users", "last\\_sign\\_in\\_ip", SM_ACT_HASH },
    { "marking\\_sessions", "ip\\_address", SM_ACT_HASH },
};

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Length of the UTF-8 sequence starting at `s` (1 for invalid bytes). */
static size_t seq_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t i;

    for (i = 1; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            return 1;
        }
    }
    return n;
}

/*
 * Iterative matcher with one backtrack point (the last '%'), which is
 * enough for LIKE and runs in O(len(pattern) * len(text)).
 */
bool sm_like_match(const char *pattern, const char *text)
{
    const char *p = pattern;
    const char *t = text;
    const char *star_p = NULL;
    const char *star_t = NULL;

    while (*t != '\0') {
        if (*p == '%') {
            star_p = ++p;
            star_t = t;
        } else if (*p == '_') {
            p++;
            t += seq_len(t);
        } else if (*p != '\0' &&
                   fold(p[*p == '\\' && p[1] != '\0']) == fold(*t)) {
            p += *p == '\\' && p[1] != '\0' ? 2 : 1;
            t++;
        } else if (star_p != NULL) {
            p = star_p;
            star_t += seq_len(star_t);
            t = star_t;
        } else {
            return false;
        }
    }
    while (*p == '%') {
        p++;
    }
    return *p == '\0';
}

static enum ab_rc add_policy(struct sm_policies *p, const char *table,
                             const char *column, enum sm_action action)
{
    struct sm_policy *items =
        ab_realloc(p->items, (p->count + 1) * sizeof(*items));

    if (items == NULL) {
        return AB_ERR_NOMEM;
    }
    p->items = items;
    items[p->count].table = table;
    items[p->count].column = column;
    items[p->count].action = action;
    p->count++;
    return AB_OK;
}

static enum ab_rc add_configured(struct sm_policies *p, const json_t *item,
                                 size_t index, struct ab_error *err)
{
    const char *table = json_string_value(json_object_get(item, "table"));
    const char *column = json_string_value(json_object_get(item, "column"));
    const char *action = json_string_value(json_object_get(item, "action"));
    enum sm_action act = SM_ACT_KEEP;

    if (action != NULL && strcmp(action, "exclude") == 0) {
        act = SM_ACT_EXCLUDE;
    } else if (action != NULL && strcmp(action, "hash") == 0) {
        act = SM_ACT_HASH;
    }
    if (table == NULL || column == NULL || act == SM_ACT_KEEP) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"column_policies[%zu]\" needs "
                            "table, column and action (exclude or hash)",
                            index);
    }
    return add_policy(p, table, column, act);
}

static enum ab_rc add_preset(struct sm_policies *p, const char *preset,
                             struct ab_error *err)
{
    const struct sm_policy *items = NULL;
    size_t count = 0;
    size_t i;
    enum ab_rc rc = AB_OK;

    if (preset == NULL || strcmp(preset, "none") == 0) {
        return AB_OK;
    }
    items = sm_policy_preset(preset, &count);
    if (items == NULL) {
        return ab_error_set(err, AB_ERR_CONFIG,
                            "config key \"column_policy_preset\" has "
                            "unknown value \"%s\"",
                            preset);
    }
    for (i = 0; i < count && rc == AB_OK; i++) {
        rc = add_policy(p, items[i].table, items[i].column, items[i].action);
    }
    return rc;
}

enum ab_rc sm_policies_init(struct sm_policies *p, const json_t *list,
                            const char *preset, struct ab_error *err)
{
    enum ab_rc rc = AB_OK;
    size_t i;

    p->items = NULL;
    p->count = 0;
    for (i = 0; i < json_array_size(list) && rc == AB_OK; i++) {
        rc = add_configured(p, json_array_get(list, i), i, err);
    }
    if (rc == AB_OK) {
        rc = add_preset(p, preset, err);
    }
    if (rc == AB_ERR_NOMEM) {
        ab_error_set(err, rc, "out of memory building column policies");
    }
    if (rc != AB_OK) {
        sm_policies_cleanup(p);
    }
    return rc;
}

void sm_policies_cleanup(struct sm_policies *p)
{
    ab_free(p->items);
    p->items = NULL;
    p->count = 0;
}

enum sm_action sm_policy_action(const struct sm_policies *p, const char *table,
                                const char *column)
{
    enum sm_action best = SM_ACT_KEEP;
    size_t i;

    for (i = 0; i < p->count; i++) {
        const struct sm_policy *it = &p->items[i];

        if (it->action > best && sm_like_match(it->table, table) &&
            sm_like_match(it->column, column)) {
            best = it->action;
        }
    }
    return best;
}

bool sm_policies_hash(const struct sm_policies *p)
{
    size_t i;

    for (i = 0; i < p->count; i++) {
        if (p->items[i].action == SM_ACT_HASH) {
            return true;
        }
    }
    return false;
}

const struct sm_policy *sm_policy_preset(const char *name, size_t *count)
{
    if (name != NULL && strcmp(name, "ontrack") == 0) {
        *count = sizeof(ontrack_preset) / sizeof(ontrack_preset[0]);
        return ontrack_preset;
    }
    *count = 0;
    return NULL;
}
