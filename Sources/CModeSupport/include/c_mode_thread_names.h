// The thread names this library gave, by tid. A new thread starts with its creator's name (a plain Thread or
// pthread started from a task on `mode-exec-1` is called `mode-exec-1` too), so a name alone does not say
// which thread it is: a thread that carries a name the library gave to ANOTHER thread inherited it.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Entries in the table (threads the library named that are alive). Beyond it, names are not recorded.
#define C_MODE_THREAD_NAMES_MAX 256

/// Records that the calling thread was given `name` (15 bytes kept). Forgotten when the thread exits.
void c_mode_thread_name_record(const char *name);

/// 1 when `name` is a name the library gave to another live thread and not to `tid`: the thread inherited
/// it from its creator. Async-signal-safe (a scan of a fixed table, no locks).
int c_mode_thread_name_is_inherited(int32_t tid, const char *name);

#ifdef __cplusplus
}
#endif
