// Thread names the library gave (see c_mode_thread_names.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_thread_names.h"
#include "c_mode_io.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

// A slot is free (tid 0), being written (-tid) or published (tid). Readers only trust published slots.
typedef struct {
    _Atomic int32_t tid;
    char name[16];
} c_mode_thread_name_slot;

static c_mode_thread_name_slot c_mode_thread_names[C_MODE_THREAD_NAMES_MAX];
static pthread_key_t c_mode_thread_names_key;
static pthread_once_t c_mode_thread_names_once = PTHREAD_ONCE_INIT;

static void c_mode_thread_name_release(void *slot) {
    atomic_store(&((c_mode_thread_name_slot *)slot)->tid, 0);
}

static void c_mode_thread_names_make_key(void) {
    pthread_key_create(&c_mode_thread_names_key, c_mode_thread_name_release);
}

void c_mode_thread_name_record(const char *name) {
    pthread_once(&c_mode_thread_names_once, c_mode_thread_names_make_key);
    int32_t me = c_mode_gettid();
    c_mode_thread_name_slot *slot = pthread_getspecific(c_mode_thread_names_key);
    if (slot != NULL) {
        atomic_store(&slot->tid, -me);
    } else {
        for (int i = 0; i < C_MODE_THREAD_NAMES_MAX && slot == NULL; i++) {
            int32_t expected = 0;
            if (atomic_compare_exchange_strong(&c_mode_thread_names[i].tid, &expected, -me)) {
                slot = &c_mode_thread_names[i];
            }
        }
        if (slot == NULL) return;  // table full: this name is not recorded
        pthread_setspecific(c_mode_thread_names_key, slot);
    }
    memset(slot->name, 0, sizeof slot->name);
    strncpy(slot->name, name, sizeof slot->name - 1);
    atomic_store(&slot->tid, me);
}

int c_mode_thread_name_is_inherited(int32_t tid, const char *name) {
    if (name == NULL || name[0] == '\0') return 0;
    int given_to_other = 0;
    for (int i = 0; i < C_MODE_THREAD_NAMES_MAX; i++) {
        int32_t owner = atomic_load(&c_mode_thread_names[i].tid);
        if (owner <= 0 || strncmp(c_mode_thread_names[i].name, name, 15) != 0) continue;
        if (owner == tid) return 0;
        given_to_other = 1;
    }
    return given_to_other;
}

#else
int c_mode_thread_names_unsupported_platform(void) { return 0; }
#endif
