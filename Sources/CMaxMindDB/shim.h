#ifndef LOGONYM_CMAXMINDDB_SHIM_H
#define LOGONYM_CMAXMINDDB_SHIM_H
#include <maxminddb.h>
#include <string.h>

/* What logonym reads from one lookup: ISO country, continent code and AS number, as plain values. */
typedef struct {
    char country[4];   /* "" when absent */
    char continent[4]; /* "" when absent */
    uint32_t asn;      /* 0 when absent */
    int found;         /* 1 when the address is in the database */
    int error;         /* an MMDB_* error code, or MMDB_SUCCESS */
} logonym_geo_record;

static inline void logonym_copy_code(MMDB_entry_s *entry, const char *const *path, char out[4]) {
    MMDB_entry_data_s data;
    if (MMDB_aget_value(entry, &data, path) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size > 0 && data.data_size < 4) {
        memcpy(out, data.utf8_string, data.data_size);
        out[data.data_size] = 0;
    }
}

/* Looks one address up: country (else registered country), continent, and autonomous_system_number. */
static inline void logonym_mmdb_lookup(const MMDB_s *mmdb, const struct sockaddr *address, logonym_geo_record *out) {
    memset(out, 0, sizeof(*out));
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(mmdb, address, &error);
    out->error = error;
    if (error != MMDB_SUCCESS || !result.found_entry) return;
    out->found = 1;
    static const char *const country[] = {"country", "iso_code", NULL};
    static const char *const registered[] = {"registered_country", "iso_code", NULL};
    static const char *const continent[] = {"continent", "code", NULL};
    static const char *const asn[] = {"autonomous_system_number", NULL};
    logonym_copy_code(&result.entry, country, out->country);
    if (out->country[0] == 0) logonym_copy_code(&result.entry, registered, out->country);
    logonym_copy_code(&result.entry, continent, out->continent);
    MMDB_entry_data_s data;
    if (MMDB_aget_value(&result.entry, &data, asn) == MMDB_SUCCESS && data.has_data) {
        if (data.type == MMDB_DATA_TYPE_UINT32) out->asn = data.uint32;
        else if (data.type == MMDB_DATA_TYPE_UINT16) out->asn = data.uint16;
        else if (data.type == MMDB_DATA_TYPE_UINT64) out->asn = (uint32_t)data.uint64;
    }
}

/* Walks every node of the search tree; returns the first node with a record pointing nowhere, or -1. */
static inline long logonym_mmdb_first_bad_node(const MMDB_s *mmdb) {
    MMDB_search_node_s node;
    for (uint32_t i = 0; i < mmdb->metadata.node_count; i++) {
        if (MMDB_read_node(mmdb, i, &node) != MMDB_SUCCESS) return (long)i;
        if (node.left_record_type == MMDB_RECORD_TYPE_INVALID || node.right_record_type == MMDB_RECORD_TYPE_INVALID)
            return (long)i;
    }
    return -1;
}
#endif
