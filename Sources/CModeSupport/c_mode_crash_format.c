// Async-signal-safe formatting of the core crash record (text and JSON), signal names (see c_mode_crash.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_capture.h"
#include "c_mode_crash.h"
#include "c_mode_io.h"
#include "c_mode_modules.h"

#include <signal.h>
#include <stdint.h>

// MARK: signal names

const char *c_mode_signal_name(int signal) {
    switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGQUIT: return "SIGQUIT";
    case SIGPROF: return "SIGPROF";
    case SIGUSR1: return "SIGUSR1";
    default: return "SIG?";
    }
}

const char *c_mode_signal_description(int signal) {
    switch (signal) {
    case SIGSEGV: return "segmentation fault";
    case SIGBUS: return "bus error";
    case SIGILL: return "illegal instruction";
    case SIGTRAP: return "trace/breakpoint trap";
    case SIGFPE: return "arithmetic exception";
    case SIGABRT: return "abort";
    case SIGQUIT: return "quit";
    default: return "signal";
    }
}

// MARK: formatting (async-signal-safe)

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm): no gmtime, no locale, no locks.
static void c_mode_buf_timestamp(c_mode_buf *buf, int64_t unix_ms) {
    int64_t seconds = unix_ms / 1000, days = seconds / 86400, rem = seconds % 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9, year = yoe + era * 400 + (month <= 2);
    int64_t parts[] = {month, day, rem / 3600, (rem % 3600) / 60, rem % 60};
    const char *separators = "--T::";
    c_mode_buf_dec(buf, year);
    for (int i = 0; i < 5; i++) {
        c_mode_buf_char(buf, separators[i]);
        if (parts[i] < 10) c_mode_buf_char(buf, '0');
        c_mode_buf_dec(buf, parts[i]);
    }
    c_mode_buf_char(buf, '.');
    int64_t ms = unix_ms % 1000;
    if (ms < 100) c_mode_buf_char(buf, '0');
    if (ms < 10) c_mode_buf_char(buf, '0');
    c_mode_buf_dec(buf, ms);
    c_mode_buf_char(buf, 'Z');
}

static const char *c_mode_unwinder_name(int unwinder) {
    return unwinder == C_MODE_UNWINDER_LIBUNWIND ? "libunwind"
           : unwinder == C_MODE_UNWINDER_FRAME_POINTER ? "framePointer"
                                                        : "none";
}

static void c_mode_format_text(const c_mode_crash_info *info, c_mode_buf *b) {
    c_mode_buf_str(b, "=== swift-mode crash report begin ===\nCRASH: signal ");
    c_mode_buf_str(b, c_mode_signal_name(info->signal));
    c_mode_buf_str(b, " (");
    c_mode_buf_str(b, c_mode_signal_description(info->signal));
    c_mode_buf_str(b, ") at ");
    c_mode_buf_hex(b, info->fault_address, 1);
    c_mode_buf_str(b, "\ntime: ");
    c_mode_buf_timestamp(b, info->unix_time_ms);
    c_mode_buf_str(b, " pid: ");
    c_mode_buf_dec(b, info->pid);
    c_mode_buf_str(b, " signal: ");
    c_mode_buf_dec(b, info->signal);
    c_mode_buf_str(b, " code: ");
    c_mode_buf_dec(b, info->code);
    c_mode_buf_str(b, " pc: ");
    c_mode_buf_hex(b, info->pc, 1);
    c_mode_buf_str(b, "\nthread: \"");
    c_mode_buf_str(b, info->thread_name);
    c_mode_buf_str(b, info->name_inherited ? "\" (inherited name) tid: " : "\" tid: ");
    c_mode_buf_dec(b, info->tid);
    c_mode_buf_str(b, "\ntask: ");
    if (info->job != 0) {
        c_mode_buf_hex(b, info->job, 1);
        c_mode_buf_str(b, info->has_label ? " \"" : " (unlabelled)");
        if (info->has_label) {
            c_mode_buf_str(b, info->task_label);
            c_mode_buf_char(b, '"');
        }
    } else {
        c_mode_buf_str(b, "none");
    }
    if (info->has_message) {
        c_mode_buf_str(b, "\nmessage: ");
        for (const char *p = info->fatal_message; *p != '\0'; p++) c_mode_buf_char(b, *p == '\n' ? ' ' : *p);
    }
    c_mode_buf_str(b, "\nunwinder: ");
    c_mode_buf_str(b, c_mode_unwinder_name(info->unwinder));
    c_mode_buf_str(b, "\nframes:\n");
    const char *mentioned[32];
    uintptr_t biases[32];
    int mentioned_count = 0;
    for (int i = 0; i < info->frame_count; i++) {
        uintptr_t bias = 0;
        const char *path = NULL;
        c_mode_buf_str(b, "  #");
        c_mode_buf_dec(b, i);
        c_mode_buf_str(b, i < 10 ? "  " : " ");
        c_mode_buf_hex(b, info->frames[i], 16);
        if (c_mode_modules_lookup((uintptr_t)info->frames[i], &bias, &path)) {
            c_mode_buf_str(b, "  ");
            c_mode_buf_str(b, c_mode_basename(path));
            c_mode_buf_char(b, '+');
            c_mode_buf_hex(b, info->frames[i] - bias, 1);
            int seen = 0;
            for (int m = 0; m < mentioned_count; m++) seen |= mentioned[m] == path;
            if (!seen && mentioned_count < 32) {
                biases[mentioned_count] = bias;
                mentioned[mentioned_count++] = path;
            }
        } else {
            c_mode_buf_str(b, "  ?");
        }
        c_mode_buf_char(b, '\n');
    }
    c_mode_buf_str(b, "images:\n");
    for (int m = 0; m < mentioned_count; m++) {
        c_mode_buf_str(b, "  ");
        c_mode_buf_str(b, c_mode_basename(mentioned[m]));
        c_mode_buf_str(b, " load-bias ");
        c_mode_buf_hex(b, biases[m], 1);
        c_mode_buf_char(b, ' ');
        c_mode_buf_str(b, mentioned[m]);
        c_mode_buf_char(b, '\n');
    }
    c_mode_buf_str(b, "=== swift-mode crash report end ===\n");
}

static void c_mode_json_key(c_mode_buf *b, const char *key) {
    c_mode_buf_str(b, ",\"");
    c_mode_buf_str(b, key);
    c_mode_buf_str(b, "\":");
}

static void c_mode_json_string(c_mode_buf *b, const char *key, const char *value) {
    c_mode_json_key(b, key);
    c_mode_buf_char(b, '"');
    c_mode_buf_json_str(b, value);
    c_mode_buf_char(b, '"');
}

// Schema: Diagnostics/Formats/crash-report.md (decodes as CrashReportRecord).
static void c_mode_format_json(const c_mode_crash_info *info, c_mode_buf *b) {
    c_mode_buf_str(b, "{\"timestamp\":\"");
    c_mode_buf_timestamp(b, info->unix_time_ms);
    c_mode_buf_str(b, "\",\"level\":\"critical\",\"label\":\"mode.crash\",\"message\":\"CRASH: signal ");
    c_mode_buf_str(b, c_mode_signal_name(info->signal));
    c_mode_buf_str(b, " (");
    c_mode_buf_str(b, c_mode_signal_description(info->signal));
    c_mode_buf_str(b, ") at ");
    c_mode_buf_hex(b, info->fault_address, 1);
    c_mode_buf_str(b, "\",\"crash\":{\"part\":\"core\"");
    c_mode_json_string(b, "signal", c_mode_signal_name(info->signal));
    c_mode_json_key(b, "signalNumber");
    c_mode_buf_dec(b, info->signal);
    c_mode_json_key(b, "code");
    c_mode_buf_dec(b, info->code);
    c_mode_json_key(b, "faultAddress");
    c_mode_buf_dec(b, (int64_t)info->fault_address);
    c_mode_json_key(b, "pc");
    c_mode_buf_dec(b, (int64_t)info->pc);
    c_mode_json_key(b, "pid");
    c_mode_buf_dec(b, info->pid);
    c_mode_json_key(b, "tid");
    c_mode_buf_dec(b, info->tid);
    c_mode_json_string(b, "thread", info->thread_name);
    if (info->name_inherited) c_mode_buf_str(b, ",\"threadNameInherited\":true");
    if (info->job != 0) {
        c_mode_json_key(b, "task");
        c_mode_buf_dec(b, (int64_t)info->job);
    }
    if (info->has_label) c_mode_json_string(b, "taskLabel", info->task_label);
    if (info->has_message) c_mode_json_string(b, "fatalError", info->fatal_message);
    c_mode_json_string(b, "unwinder", c_mode_unwinder_name(info->unwinder));
    c_mode_json_key(b, "frames");
    c_mode_buf_char(b, '[');
    const char *mentioned[32];
    uintptr_t biases[32];
    int mentioned_count = 0;
    for (int i = 0; i < info->frame_count; i++) {
        uintptr_t bias = 0;
        const char *path = NULL;
        if (i > 0) c_mode_buf_char(b, ',');
        c_mode_buf_str(b, "{\"index\":");
        c_mode_buf_dec(b, i);
        c_mode_buf_str(b, ",\"address\":");
        c_mode_buf_dec(b, (int64_t)info->frames[i]);
        if (c_mode_modules_lookup((uintptr_t)info->frames[i], &bias, &path)) {
            c_mode_json_string(b, "module", c_mode_basename(path));
            c_mode_json_key(b, "moduleOffset");
            c_mode_buf_dec(b, (int64_t)(info->frames[i] - bias));
            int seen = 0;
            for (int m = 0; m < mentioned_count; m++) seen |= mentioned[m] == path;
            if (!seen && mentioned_count < 32) {
                biases[mentioned_count] = bias;
                mentioned[mentioned_count++] = path;
            }
        }
        c_mode_buf_str(b, ",\"isInlined\":false,\"isAsync\":false}");
    }
    c_mode_buf_str(b, "],\"images\":[");
    for (int m = 0; m < mentioned_count; m++) {
        if (m > 0) c_mode_buf_char(b, ',');
        c_mode_buf_str(b, "{\"name\":\"");
        c_mode_buf_json_str(b, c_mode_basename(mentioned[m]));
        c_mode_buf_str(b, "\",\"path\":\"");
        c_mode_buf_json_str(b, mentioned[m]);
        c_mode_buf_str(b, "\",\"loadBias\":");
        c_mode_buf_dec(b, (int64_t)biases[m]);
        c_mode_buf_char(b, '}');
    }
    c_mode_buf_str(b, "]}}\n");
}

size_t c_mode_crash_format_core(const c_mode_crash_info *info, int format, char *out, size_t capacity) {
    c_mode_buf b;
    c_mode_buf_init(&b, out, capacity);
    if (format == C_MODE_CRASH_FORMAT_JSON) {
        c_mode_format_json(info, &b);
    } else {
        c_mode_format_text(info, &b);
    }
    if (b.truncated && b.length > 0) b.data[b.length - 1] = '\n';
    return b.length;
}

#else
int c_mode_crash_format_unsupported_platform(void) { return 0; }
#endif
