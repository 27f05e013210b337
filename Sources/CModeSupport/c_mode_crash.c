// Fatal-signal crash reporter and log gate (see c_mode_crash.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_crash.h"
#include "c_mode_dump.h"
#include "c_mode_thread_names.h"
#include "c_mode_capture.h"
#include "c_mode_io.h"
#include "c_mode_modules.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

// The stall helper's activity table (c_mode_activity.h). Weak, so this file links without it.
extern uintptr_t c_mode_activity_current_job(void) __attribute__((weak));
extern uintptr_t c_mode_activity_job_for_thread(int32_t tid) __attribute__((weak));
extern int c_mode_task_label_lookup(uintptr_t task, char *buf, int buflen) __attribute__((weak));

// SIGQUIT too: the Swift runtime's backtracer handles it, and a sent SIGQUIT must end the process as its default
// action would (with a report) instead of leaving it alive after the runtime's backtrace.
static const int c_mode_fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGQUIT};
#define C_MODE_FATAL_COUNT ((int)(sizeof c_mode_fatal_signals / sizeof c_mode_fatal_signals[0]))

static struct sigaction c_mode_crash_previous[65];
static int c_mode_crash_fds[C_MODE_CRASH_MAX_FDS];
static _Atomic int c_mode_crash_fd_count;
static _Atomic int c_mode_crash_format;
static _Atomic(c_mode_crash_callback) c_mode_crash_cb;
static _Atomic int64_t c_mode_crash_timeout_ns = 3000000000;
static _Atomic int64_t c_mode_crash_chain_timeout_ns = 10000000000;
static _Atomic int c_mode_crash_is_installed;
static pthread_mutex_t c_mode_crash_install_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const char *) *c_mode_swift_message_buffer;

static _Atomic int32_t c_mode_crash_owner;  // tid writing a report
static _Atomic int c_mode_log_writers;

static c_mode_crash_info c_mode_crash_current;
static char c_mode_crash_text[65536];
static sem_t c_mode_crash_request;
static sem_t c_mode_crash_done;

const char *c_mode_swift_fatal_message(void) {
    if (c_mode_swift_message_buffer == NULL) return NULL;
    return atomic_load(c_mode_swift_message_buffer);
}

// MARK: log gate

int32_t c_mode_crash_thread(void) { return atomic_load(&c_mode_crash_owner); }
int c_mode_crash_in_progress(void) { return atomic_load(&c_mode_crash_owner) != 0; }

int c_mode_log_gate_enter(void) {
    if (atomic_load(&c_mode_crash_owner) != 0) return 0;
    atomic_fetch_add(&c_mode_log_writers, 1);
    if (atomic_load(&c_mode_crash_owner) != 0) {
        atomic_fetch_sub(&c_mode_log_writers, 1);
        return 0;
    }
    return 1;
}

void c_mode_log_gate_exit(void) { atomic_fetch_sub(&c_mode_log_writers, 1); }

static void c_mode_sleep_ns(long ns) {
    struct timespec delay = {0, ns};
    nanosleep(&delay, NULL);
}

// MARK: labels

int c_mode_label_for_thread(int32_t tid, uintptr_t *job, char *buf, int buflen) {
    uintptr_t found = 0;
    if (tid == c_mode_gettid() && c_mode_activity_current_job != NULL) {
        found = c_mode_activity_current_job();
    } else if (c_mode_activity_job_for_thread != NULL) {
        found = c_mode_activity_job_for_thread(tid);
    }
    if (job != NULL) *job = found;
    if (c_mode_task_label_lookup == NULL || buflen <= 0) return -1;
    if (tid == c_mode_gettid()) {
        // The runtime's current task is exact even when the executor's job switched inline to another task.
        uintptr_t task = c_mode_current_swift_task();
        if (task != 0) {
            int length = c_mode_task_label_lookup(task, buf, buflen);
            if (length >= 0) {
                if (job != NULL) *job = task;
                return length;
            }
        }
    }
    if (found == 0) return -1;
    return c_mode_task_label_lookup(found, buf, buflen);
}

// MARK: collecting

static void c_mode_fill_common(c_mode_crash_info *info) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    info->unix_time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    info->pid = getpid();
    info->tid = c_mode_gettid();
    memset(info->thread_name, 0, sizeof info->thread_name);
    prctl(PR_GET_NAME, info->thread_name, 0, 0, 0);
    info->name_inherited = c_mode_thread_name_is_inherited(info->tid, info->thread_name);
    uintptr_t job = 0;
    int length = c_mode_label_for_thread(info->tid, &job, info->task_label, C_MODE_CRASH_LABEL_SIZE);
    info->job = job;
    info->has_label = length >= 0;
    if (length < 0) info->task_label[0] = '\0';
    const char *message = c_mode_swift_fatal_message();
    info->has_message = message != NULL && message[0] != '\0';
    info->fatal_message[0] = '\0';
    if (info->has_message) {
        size_t n = 0;
        while (message[n] != '\0' && n < C_MODE_CRASH_MESSAGE_SIZE - 1) {
            info->fatal_message[n] = message[n];
            n++;
        }
        while (n > 0 && info->fatal_message[n - 1] == '\n') n--;
        info->fatal_message[n] = '\0';
    }
}

void c_mode_crash_fill_current(c_mode_crash_info *info) {
    memset(info, 0, sizeof *info);
    c_mode_fill_common(info);
    uintptr_t frames[C_MODE_CRASH_MAX_FRAMES];
    int unwinder = 0;
    int n = c_mode_capture_current(0, frames, C_MODE_CRASH_MAX_FRAMES, &unwinder);
    for (int i = 0; i < n; i++) info->frames[i] = frames[i];
    info->frame_count = n;
    info->unwinder = unwinder;
    info->pc = n > 0 ? frames[0] : 0;
}

// MARK: the helper thread and the handler

static void *c_mode_crash_helper(void *unused) {
    (void)unused;
    c_mode_set_thread_name("mode-crash");
    for (;;) {
        if (sem_wait(&c_mode_crash_request) != 0) continue;
        c_mode_crash_callback callback = atomic_load(&c_mode_crash_cb);
        if (callback != NULL) callback(&c_mode_crash_current);
        sem_post(&c_mode_crash_done);
    }
    return NULL;
}

static void c_mode_write_everywhere(const char *data, size_t length) {
    int count = atomic_load(&c_mode_crash_fd_count);
    for (int i = 0; i < count; i++) c_mode_write_all(c_mode_crash_fds[i], data, length);
}

static void c_mode_set_default(int sig) {
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(sig, &fallback, NULL);
}

static void c_mode_unblock(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

// A fault the CPU raises again when the handler returns (the faulting instruction is re-executed). A trap
// (int3 leaves the PC after the instruction) or a sent signal is not: those must be raised again.
static int c_mode_refaults(int sig, const siginfo_t *info) {
    return info->si_code > 0 && info->si_code != SI_KERNEL &&
           (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE);
}

// Ends the process by `sig` with its default action: from a handler, the signal is raised again now (it is
// unblocked, so it is delivered before tgkill returns); a re-executed fault dies on return instead.
static void c_mode_die_by(int sig, const siginfo_t *info) {
    c_mode_set_default(sig);
    if (c_mode_refaults(sig, info)) return;
    c_mode_unblock(sig);
    syscall(SYS_tgkill, (long)getpid(), (long)c_mode_gettid(), (long)sig);
}

// The watchdog: a kernel timer that sends `sig` to this thread at the deadline (and every 250 ms after), so
// the process dies by the original signal even if a chained handler hangs or returns without ending it.
// Raw system calls: async-signal-safe, and glibc's timer_create may allocate. The signal is blocked while
// this handler runs; it stays pending until the chain unblocks it with the default action installed.
static void c_mode_arm_watchdog(int sig, int64_t after_ns) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = sig;
    event._sigev_un._tid = c_mode_gettid();
    int timer = 0;
    if (syscall(SYS_timer_create, (long)CLOCK_MONOTONIC, &event, &timer) != 0) return;
    struct itimerspec when;
    memset(&when, 0, sizeof when);
    when.it_value.tv_sec = (time_t)(after_ns / 1000000000);
    when.it_value.tv_nsec = (long)(after_ns % 1000000000);
    when.it_interval.tv_nsec = 250000000;
    syscall(SYS_timer_settime, (long)timer, 0L, &when, NULL);
}

// Calls the previous handler (the Swift runtime's backtracer) directly, with the original siginfo and
// context so its backtrace starts at the crash. `sig` is unblocked first and its disposition is the default
// one: a fault inside the runtime's handler (or in its memory server thread) and the watchdog's signal end
// the process instead of hanging it.
static void c_mode_call_previous(int sig, siginfo_t *info, void *uc, const struct sigaction *previous) {
    sigset_t mask;
    memcpy(&mask, &previous->sa_mask, sizeof mask);
    for (int i = 0; i < C_MODE_FATAL_COUNT; i++) sigdelset(&mask, c_mode_fatal_signals[i]);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    c_mode_unblock(sig);
    if (previous->sa_flags & SA_SIGINFO) {
        previous->sa_sigaction(sig, info, uc);
    } else {
        previous->sa_handler(sig);
    }
}

static void c_mode_crash_handler(int sig, siginfo_t *info, void *uc) {
    int saved_errno = errno;
    int32_t me = c_mode_gettid();
    int32_t expected = 0;
    if (!atomic_compare_exchange_strong(&c_mode_crash_owner, &expected, me)) {
        if (expected != me) {
            // Another thread is writing its report: let it finish (it ends the process).
            int64_t waited = 0, limit = atomic_load(&c_mode_crash_timeout_ns) + 2000000000;
            while (waited < limit && atomic_load(&c_mode_crash_owner) != 0) {
                c_mode_sleep_ns(10000000);
                waited += 10000000;
            }
        }
        // A crash inside our own handler (or a second crash): no report, straight to the default action.
        c_mode_die_by(sig, info);
        errno = saved_errno;
        return;
    }
    // From here the process dies by `sig` within best-effort timeout + chain timeout (+ 100 ms of log gate).
    c_mode_arm_watchdog(sig, atomic_load(&c_mode_crash_timeout_ns) + atomic_load(&c_mode_crash_chain_timeout_ns) +
                                 100000000);
    // Close the log gate and let in-flight log writes finish (bounded: the crashing thread may be one).
    for (int i = 0; i < 20 && atomic_load(&c_mode_log_writers) > 0; i++) c_mode_sleep_ns(5000000);

    c_mode_crash_info *report = &c_mode_crash_current;
    c_mode_fill_common(report);
    report->signal = sig;
    report->code = info->si_code;
    report->fault_address = (uint64_t)(uintptr_t)info->si_addr;
    ucontext_t *context = (ucontext_t *)uc;
#if defined(__x86_64__)
    report->pc = (uint64_t)context->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    report->pc = (uint64_t)context->uc_mcontext.pc;
#endif
    uintptr_t frames[C_MODE_CRASH_MAX_FRAMES];
    int unwinder = 0;
    int n = c_mode_unwind_ucontext(uc, frames, C_MODE_CRASH_MAX_FRAMES, &unwinder);
    for (int i = 0; i < n; i++) report->frames[i] = frames[i];
    report->frame_count = n;
    report->unwinder = unwinder;

    // 1. The async-signal-safe record: one write(2) per fd.
    size_t length = c_mode_crash_format_core(report, atomic_load(&c_mode_crash_format), c_mode_crash_text,
                                             sizeof c_mode_crash_text);
    c_mode_write_everywhere(c_mode_crash_text, length);

    // 2. The best-effort part on the helper thread, bounded by a deadline (a crash inside malloc cannot hang us).
    if (atomic_load(&c_mode_crash_cb) != NULL) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        int64_t timeout = atomic_load(&c_mode_crash_timeout_ns);
        deadline.tv_sec += (time_t)(timeout / 1000000000);
        deadline.tv_nsec += (long)(timeout % 1000000000);
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec += 1;
            deadline.tv_nsec -= 1000000000;
        }
        sem_post(&c_mode_crash_request);
        while (sem_clockwait(&c_mode_crash_done, CLOCK_MONOTONIC, &deadline) != 0 && errno == EINTR) {
        }
    }

    // 3. Chain to the previous handler (the Swift runtime's backtracer, which prints its backtrace and
    //    RETURNS: for a sent signal the process would live on, its memory server thread spinning). Then die
    //    by the signal: the default action is installed and the signal raised again (a fault re-executes the
    //    faulting instruction instead). The watchdog armed above bounds all of it.
    struct sigaction *previous = &c_mode_crash_previous[sig];
    int has_previous = (previous->sa_flags & SA_SIGINFO) ? previous->sa_sigaction != NULL
                                                         : (previous->sa_handler != SIG_DFL &&
                                                            previous->sa_handler != SIG_IGN &&
                                                            previous->sa_handler != NULL);
    c_mode_set_default(sig);
    if (has_previous) c_mode_call_previous(sig, info, uc, previous);
    c_mode_die_by(sig, info);
    errno = saved_errno;
}

// SIGQUIT is taken only from its default action or from the Swift runtime's backtracer (which installs one
// handler for all its signals, so it is the one SIGABRT has): an application that ignores or handles SIGQUIT
// itself keeps it.
static int c_mode_quit_is_ours_to_take(void) {
    struct sigaction quit;
    const struct sigaction *abort_previous = &c_mode_crash_previous[SIGABRT];  // SIGABRT is installed first
    if (sigaction(SIGQUIT, NULL, &quit) != 0) return 0;
    if (!(quit.sa_flags & SA_SIGINFO)) return quit.sa_handler == SIG_DFL;
    return (abort_previous->sa_flags & SA_SIGINFO) && quit.sa_sigaction == abort_previous->sa_sigaction;
}

int c_mode_crash_install(const int *fds, int fd_count, int format, c_mode_crash_callback callback,
                         int64_t best_effort_timeout_ns, int64_t chain_timeout_ns) {
    pthread_mutex_lock(&c_mode_crash_install_lock);
    if (fd_count > C_MODE_CRASH_MAX_FDS) fd_count = C_MODE_CRASH_MAX_FDS;
    atomic_store(&c_mode_crash_fd_count, 0);
    for (int i = 0; i < fd_count; i++) c_mode_crash_fds[i] = fds[i];
    atomic_store(&c_mode_crash_fd_count, fd_count);
    atomic_store(&c_mode_crash_format, format);
    atomic_store(&c_mode_crash_cb, callback);
    atomic_store(&c_mode_crash_timeout_ns, best_effort_timeout_ns > 0 ? best_effort_timeout_ns : 3000000000);
    atomic_store(&c_mode_crash_chain_timeout_ns, chain_timeout_ns > 0 ? chain_timeout_ns : 10000000000);
    if (atomic_load(&c_mode_crash_is_installed)) {
        pthread_mutex_unlock(&c_mode_crash_install_lock);
        return 0;
    }
    typedef _Atomic(const char *) *(*message_buffer_fn)(void);
    message_buffer_fn get_buffer = (message_buffer_fn)dlsym(RTLD_DEFAULT, "swift_getFatalErrorMessageBuffer");
    if (get_buffer != NULL) c_mode_swift_message_buffer = get_buffer();
    c_mode_modules_refresh();
    (void)c_mode_capture_install(0);  // loads libunwind; harmless when already installed
    c_mode_altstack_install_current();
    sem_init(&c_mode_crash_request, 0, 0);
    sem_init(&c_mode_crash_done, 0, 0);

    // The helper blocks the usual process-directed signals, so it is never picked to run their handlers. It
    // keeps SIGPROF open: thread dumps capture it, and the Swift runtime's backtracer suspends threads with it.
    sigset_t all, old;
    sigemptyset(&all);
    const int directed[] = {SIGUSR1, SIGUSR2, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGCHLD, SIGPIPE, SIGWINCH};
    for (size_t i = 0; i < sizeof directed / sizeof directed[0]; i++) sigaddset(&all, directed[i]);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t helper;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int created = pthread_create(&helper, &attributes, c_mode_crash_helper, NULL);
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (created != 0) {
        pthread_mutex_unlock(&c_mode_crash_install_lock);
        return created;
    }

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = c_mode_crash_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < C_MODE_FATAL_COUNT; i++) {
        int sig = c_mode_fatal_signals[i];
        if (sig == SIGQUIT && !c_mode_quit_is_ours_to_take()) continue;
        if (sigaction(sig, &action, &c_mode_crash_previous[sig]) != 0) {
            int error = errno;
            pthread_mutex_unlock(&c_mode_crash_install_lock);
            return error;
        }
    }
    atomic_store(&c_mode_crash_is_installed, 1);
    pthread_mutex_unlock(&c_mode_crash_install_lock);
    return 0;
}

int c_mode_crash_installed(void) { return atomic_load(&c_mode_crash_is_installed); }

#else
int c_mode_crash_unsupported_platform(void) { return 0; }
#endif
