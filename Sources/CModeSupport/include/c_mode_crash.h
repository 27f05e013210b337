// Fatal-signal crash reporter: handlers for SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT and SIGQUIT
// installed on top of the Swift runtime's, an async-signal-safe first record written with ONE write(2) per
// output fd, a best-effort part produced by a helper thread under a deadline, then the previous handler, then
// the default action so the process dies of the original signal, whether a fault raised it or kill(2) sent it.
// A watchdog timer armed when the handler starts sends the signal again at best-effort timeout + chain timeout
// (+ 100 ms), so the process dies even if the previous handler hangs. Plus the log gate that keeps log records
// out of a report.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Maximum output fds.
#define C_MODE_CRASH_MAX_FDS 4
/// Bytes kept of a thread name / task label / Swift fatal error message.
#define C_MODE_CRASH_NAME_SIZE 32
#define C_MODE_CRASH_LABEL_SIZE 192
#define C_MODE_CRASH_MESSAGE_SIZE 1024
/// Frames recorded in a crash report.
#define C_MODE_CRASH_MAX_FRAMES 128

/// Output format of the first record.
enum { C_MODE_CRASH_FORMAT_TEXT = 0, C_MODE_CRASH_FORMAT_JSON = 1 };

/// Everything the handler learned, handed to the best-effort callback (read-only, valid during the callback).
typedef struct c_mode_crash_info {
    int32_t signal;
    int32_t code;
    int32_t pid;
    int32_t tid;
    uint64_t fault_address;
    uint64_t pc;
    uint64_t job;                                 // task/job running on the thread, 0 if none
    int64_t unix_time_ms;
    int32_t unwinder;                             // C_MODE_UNWINDER_*
    int32_t frame_count;
    int32_t has_label;
    int32_t has_message;
    int32_t name_inherited;                       // thread_name is one the library gave another thread
    char thread_name[C_MODE_CRASH_NAME_SIZE];
    char task_label[C_MODE_CRASH_LABEL_SIZE];
    char fatal_message[C_MODE_CRASH_MESSAGE_SIZE];  // the Swift runtime's "Fatal error: ..." when present
    uint64_t frames[C_MODE_CRASH_MAX_FRAMES];
} c_mode_crash_info;

/// The best-effort part: runs on the helper thread "mode-crash" (a normal thread with a full stack: it may
/// allocate, symbolicate and write). The handler waits for it at most the configured time.
typedef void (*c_mode_crash_callback)(const c_mode_crash_info *info);

/// Installs (or reconfigures) the handlers. `fds` are written in order (e.g. the O_APPEND log fd, then 2).
/// `callback` may be NULL. `chain_timeout_ns` bounds the previous handler (the runtime's backtrace): the process
/// dies by the signal at most best_effort + chain + 100 ms after the crash (<= 0: defaults 3 s and 10 s).
/// Returns 0 or an errno value.
int c_mode_crash_install(const int *fds, int fd_count, int format, c_mode_crash_callback callback,
                         int64_t best_effort_timeout_ns, int64_t chain_timeout_ns);

/// 1 once installed.
int c_mode_crash_installed(void);

/// Formats the async-signal-safe record of `info` into `out` (used by the handler; exposed for tests and for
/// reports built outside a crash). Returns the length.
size_t c_mode_crash_format_core(const c_mode_crash_info *info, int format, char *out, size_t capacity);

/// Fills `info` for the calling thread as the handler would (signal/addresses zero, frames from here).
void c_mode_crash_fill_current(c_mode_crash_info *info);

/// Symbolic name ("SIGILL") and description ("illegal instruction") of a signal number.
const char *c_mode_signal_name(int signal);
const char *c_mode_signal_description(int signal);

/// The Swift runtime's pending fatal error message (swift_getFatalErrorMessageBuffer), or NULL.
const char *c_mode_swift_fatal_message(void);

/// Copies the task label of the job running on thread `tid` (through c_mode_activity, when linked) into buf.
/// Returns the length, or -1 when no labelled job runs there. `*job` receives the job address (0 if none).
int c_mode_label_for_thread(int32_t tid, uintptr_t *job, char *buf, int buflen);

// MARK: the log gate

/// Tid of the thread writing a crash report, 0 when none.
int32_t c_mode_crash_thread(void);

/// 1 while a crash report is being written: log handlers must not write.
int c_mode_crash_in_progress(void);

/// A log handler calls this before its write(2): 1 = write, then call c_mode_log_gate_exit(); 0 = a crash
/// report is being written, drop (or buffer) the record and do NOT call exit.
int c_mode_log_gate_enter(void);
void c_mode_log_gate_exit(void);

#ifdef __cplusplus
}
#endif
