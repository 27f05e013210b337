// Thread-dump trigger and named thread spawning (see c_mode_dump.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_dump.h"
#include "c_mode_thread_names.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int c_mode_dump_write_fd[65] = {0};
static int c_mode_dump_read_fd[65];
static struct sigaction c_mode_dump_previous[65];
static pthread_mutex_t c_mode_dump_lock = PTHREAD_MUTEX_INITIALIZER;

static void c_mode_dump_handler(int sig, siginfo_t *info, void *uc) {
    int saved_errno = errno;
    int fd = atomic_load(&c_mode_dump_write_fd[sig]);
    if (fd > 0) {
        char byte = 1;
        ssize_t ignored = write(fd, &byte, 1);  // EAGAIN when full: a dump is already pending
        (void)ignored;
    }
    struct sigaction *previous = &c_mode_dump_previous[sig];
    if ((previous->sa_flags & SA_SIGINFO) && previous->sa_sigaction != NULL) {
        previous->sa_sigaction(sig, info, uc);
    } else if (!(previous->sa_flags & SA_SIGINFO) && previous->sa_handler != SIG_DFL &&
               previous->sa_handler != SIG_IGN && previous->sa_handler != NULL) {
        previous->sa_handler(sig);
    }
    errno = saved_errno;
}

int c_mode_dump_trigger_install(int signal) {
    if (signal <= 0 || signal > 64) return -EINVAL;
    pthread_mutex_lock(&c_mode_dump_lock);
    if (atomic_load(&c_mode_dump_write_fd[signal]) > 0) {
        int fd = c_mode_dump_read_fd[signal];
        pthread_mutex_unlock(&c_mode_dump_lock);
        return fd;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        int error = errno;
        pthread_mutex_unlock(&c_mode_dump_lock);
        return -error;
    }
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    c_mode_dump_read_fd[signal] = fds[0];
    atomic_store(&c_mode_dump_write_fd[signal], fds[1]);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = c_mode_dump_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(signal, &action, &c_mode_dump_previous[signal]) != 0) {
        int error = errno;
        pthread_mutex_unlock(&c_mode_dump_lock);
        return -error;
    }
    pthread_mutex_unlock(&c_mode_dump_lock);
    return fds[0];
}

int c_mode_dump_trigger_wait(int read_fd) {
    char bytes[64];
    for (;;) {
        ssize_t n = read(read_fd, bytes, 1);
        if (n == 1) break;
        if (n < 0 && errno == EINTR) continue;
        return 0;
    }
    // Coalesce a burst of signals into one dump.
    int flags = fcntl(read_fd, F_GETFL);
    fcntl(read_fd, F_SETFL, flags | O_NONBLOCK);
    while (read(read_fd, bytes, sizeof bytes) > 0) {
    }
    fcntl(read_fd, F_SETFL, flags);
    return 1;
}

void c_mode_dump_trigger_fire(int signal) {
    if (signal <= 0 || signal > 64) return;
    int fd = atomic_load(&c_mode_dump_write_fd[signal]);
    if (fd > 0) {
        char byte = 1;
        ssize_t ignored = write(fd, &byte, 1);
        (void)ignored;
    }
}

typedef struct c_mode_thread_start {
    char name[16];
    void (*body)(void *);
    void *context;
} c_mode_thread_start;

static void *c_mode_thread_main(void *argument) {
    c_mode_thread_start start = *(c_mode_thread_start *)argument;
    free(argument);
    c_mode_set_thread_name(start.name);
    start.body(start.context);
    return NULL;
}

int c_mode_thread_spawn(const char *name, void (*body)(void *context), void *context) {
    c_mode_thread_start *start = calloc(1, sizeof *start);
    if (start == NULL) return ENOMEM;
    strncpy(start->name, name, sizeof start->name - 1);
    start->body = body;
    start->context = context;
    sigset_t blocked, old;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    sigaddset(&blocked, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &blocked, &old);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int result = pthread_create(&thread, &attributes, c_mode_thread_main, start);
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (result != 0) free(start);
    return result;
}

void c_mode_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    pthread_setname_np(pthread_self(), truncated);
    c_mode_thread_name_record(truncated);  // so a thread this one creates is not taken for it
}

#else
int c_mode_dump_unsupported_platform(void) { return 0; }
#endif
