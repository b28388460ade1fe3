/* manifest.json through cJSON. The manifest collects settings, inputs,
   timings and warnings as a run goes, and is written last. */
#include "report/nt_manifest.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"

struct nt_manifest {
    cJSON *root;
};

static void iso_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

nt_manifest *nt_manifest_alloc(int argc, char **argv)
{
    nt_manifest *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->root = cJSON_CreateObject();
    if (!m->root) { free(m); return NULL; }
    cJSON_AddStringToObject(m->root, "tool_version", NETTO_VERSION);
    cJSON *cmd = cJSON_AddArrayToObject(m->root, "command");
    for (int i = 0; i < argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddObjectToObject(m->root, "settings");
    cJSON_AddArrayToObject(m->root, "inputs");
    cJSON_AddNullToObject(m->root, "seed");
    cJSON_AddNumberToObject(m->root, "threads", 1);
    char buf[32];
    iso_now(buf, sizeof buf);
    cJSON_AddStringToObject(m->root, "started", buf);
    cJSON_AddNullToObject(m->root, "finished");
    cJSON_AddObjectToObject(m->root, "timings");
    cJSON_AddObjectToObject(m->root, "platform");
    cJSON_AddArrayToObject(m->root, "warnings");
    cJSON *d = cJSON_AddObjectToObject(m->root, "disclosure");
    cJSON_AddNumberToObject(d, "min_cell", 0);
    cJSON_AddBoolToObject(d, "cleared_for_export", 0);
    return m;
}

void nt_manifest_free(nt_manifest *m)
{
    if (!m) return;
    cJSON_Delete(m->root);
    free(m);
}

static void put(cJSON *obj, const char *key, cJSON *item)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key)) cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
    else cJSON_AddItemToObject(obj, key, item);
}

static cJSON *section(nt_manifest *m, const char *name)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(m->root, "settings");
    if (!name) return s;
    cJSON *sec = cJSON_GetObjectItemCaseSensitive(s, name);
    if (!sec) sec = cJSON_AddObjectToObject(s, name);
    return sec;
}

void nt_manifest_setting_str(nt_manifest *m, const char *sec, const char *key, const char *value)
{
    put(section(m, sec), key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

void nt_manifest_setting_num(nt_manifest *m, const char *sec, const char *key, double value)
{
    put(section(m, sec), key, cJSON_CreateNumber(value));
}

void nt_manifest_setting_bool(nt_manifest *m, const char *sec, const char *key, int value)
{
    put(section(m, sec), key, cJSON_CreateBool(value));
}

nt_status nt_manifest_add_input(nt_manifest *m, const char *path, nt_error *err)
{
    char hex[65];
    nt_status s = nt_file_sha256(path, hex, err);
    if (s) return s;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "sha256", hex);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(m->root, "inputs"), o);
    return NT_OK;
}

void nt_manifest_set_seed(nt_manifest *m, uint64_t seed)
{
    /* JSON numbers lose integers above 2^53: keep large seeds exact as text. */
    if (seed <= (1ULL << 53)) put(m->root, "seed", cJSON_CreateNumber((double)seed));
    else {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
        put(m->root, "seed", cJSON_CreateString(buf));
    }
}

void nt_manifest_set_threads(nt_manifest *m, int threads)
{
    put(m->root, "threads", cJSON_CreateNumber(threads));
}

void nt_manifest_timing(nt_manifest *m, const char *stage, double seconds)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(m->root, "timings");
    cJSON *old = cJSON_GetObjectItemCaseSensitive(t, stage);
    /* A stage timed in several pieces adds up. */
    put(t, stage, cJSON_CreateNumber(seconds + (old ? old->valuedouble : 0)));
}

void nt_manifest_count(nt_manifest *m, const char *key, double value)
{
    put(nt_manifest_object(m, "counts"), key, cJSON_CreateNumber(value));
}

void nt_manifest_warning(nt_manifest *m, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(m->root, "warnings"), cJSON_CreateString(buf));
}

void nt_manifest_disclosure(nt_manifest *m, long min_cell, int cleared)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "min_cell", (double)min_cell);
    cJSON_AddBoolToObject(d, "cleared_for_export", cleared);
    put(m->root, "disclosure", d);
}

void nt_manifest_disclosure_export(nt_manifest *m, long round, const char *export_dir, const char *not_cleared)
{
    cJSON *d = nt_manifest_object(m, "disclosure");
    put(d, "round", cJSON_CreateNumber((double)round));
    put(d, "export", export_dir ? cJSON_CreateString(export_dir) : cJSON_CreateNull());
    put(d, "export_cleared", cJSON_CreateBool(export_dir && !not_cleared));
    if (not_cleared) put(d, "not_cleared_because", cJSON_CreateString(not_cleared));
}

cJSON *nt_manifest_object(nt_manifest *m, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(m->root, key);
    if (!o) o = cJSON_AddObjectToObject(m->root, key);
    return o;
}

static void cpu_model(char *buf, size_t size)
{
    snprintf(buf, size, "unknown");
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (!fp) return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "model name", 10)) continue;
        char *p = strchr(line, ':');
        if (!p) continue;
        p++;
        while (*p == ' ') p++;
        p[strcspn(p, "\n")] = 0;
        snprintf(buf, size, "%s", p);
        break;
    }
    fclose(fp);
}

void nt_manifest_platform(nt_manifest *m, const char *library, const char *version)
{
    put(cJSON_GetObjectItemCaseSensitive(m->root, "platform"), library, cJSON_CreateString(version));
}

/* The JSON text of root, written atomically to path. */
static nt_status write_json(const cJSON *root, const char *path, nt_error *err)
{
    char *text = cJSON_Print(root);
    if (!text) return nt_fail(err, NT_ENOMEM, "out of memory writing %s", path);
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (!s) {
        fputs(text, f.fp);
        fputc('\n', f.fp);
        s = nt_outfile_commit(&f, err);
    }
    cJSON_free(text);
    return s;
}

nt_status nt_manifest_write(nt_manifest *m, const char *path, nt_error *err)
{
    char buf[512];
    iso_now(buf, sizeof buf);
    put(m->root, "finished", cJSON_CreateString(buf));
    cJSON *p = cJSON_GetObjectItemCaseSensitive(m->root, "platform");
    cpu_model(buf, sizeof buf);
    put(p, "cpu", cJSON_CreateString(buf));
    put(p, "zlib", cJSON_CreateString(zlibVersion()));
    put(p, "cjson", cJSON_CreateString(cJSON_Version()));
    put(p, "compiler", cJSON_CreateString(__VERSION__));
    return write_json(m->root, path, err);
}

void nt_manifest_count_persons(nt_manifest *m, const char *key, long count, long min_cell, long round)
{
    if (min_cell > 0 && count > 0 && count < min_cell) {
        char buf[64];
        nt_disclose_count_text(count, min_cell, round, buf, sizeof buf);
        put(nt_manifest_object(m, "counts"), key, cJSON_CreateString(buf));
    } else
        nt_manifest_count(m, key, nt_disclose_round((double)count, min_cell, round));
}

/* Cuts every string that holds a '/' to what follows its last '/'. */
static void strip_paths(cJSON *item)
{
    for (cJSON *c = item ? item->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c) && c->valuestring && strchr(c->valuestring, '/')) {
            char base[1024]; /* a copy: cJSON may not set a string from itself */
            snprintf(base, sizeof base, "%s", strrchr(c->valuestring, '/') + 1);
            cJSON_SetValuestring(c, base[0] ? base : ".");
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            strip_paths(c);
    }
}

nt_status nt_manifest_write_export(nt_manifest *m, const char *path, int cleared, nt_error *err)
{
    cJSON *copy = cJSON_Duplicate(m->root, 1);
    if (!copy) return nt_fail(err, NT_ENOMEM, "out of memory writing the export manifest");
    strip_paths(cJSON_GetObjectItemCaseSensitive(copy, "inputs"));
    strip_paths(cJSON_GetObjectItemCaseSensitive(copy, "settings"));
    strip_paths(cJSON_GetObjectItemCaseSensitive(copy, "command"));
    cJSON *d = cJSON_GetObjectItemCaseSensitive(copy, "disclosure");
    if (d) put(d, "cleared_for_export", cJSON_CreateBool(cleared));
    nt_status s = write_json(copy, path, err);
    cJSON_Delete(copy);
    return s;
}
