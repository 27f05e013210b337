// On-demand thread dumps: a signal handler (SIGUSR1 by default) that only writes one byte to a pipe, and a
// helper to start named threads (the "mode-dumper" thread waits on that pipe).
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Installs the trigger for `signal` and returns the read end of its pipe (or -errno). Idempotent per signal:
/// a second call returns the same fd. The previous handler is chained after the byte is written.
int c_mode_dump_trigger_install(int signal);

/// Blocks until the trigger fires (returns 1) or the fd is closed/fails (returns 0). Coalesces bursts.
int c_mode_dump_trigger_wait(int read_fd);

/// Fires the trigger as the signal would (for tests and the console).
void c_mode_dump_trigger_fire(int signal);

/// Starts a detached thread named `name` (15 bytes kept) running `body(context)`. SIGUSR1/SIGUSR2 are blocked
/// in it. Returns 0 or an errno value.
int c_mode_thread_spawn(const char *name, void (*body)(void *context), void *context);

/// Names the calling thread (pthread_setname_np; 15 bytes kept).
void c_mode_set_thread_name(const char *name);

#ifdef __cplusplus
}
#endif
