// Precomputed module table for async-signal-safe module+offset lookups (see c_mode_modules.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_modules.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define C_MODE_MODULE_CAPACITY 512
#define C_MODE_MODULE_NAMES 65536

typedef struct c_mode_module {
    uintptr_t start;      // first byte of an executable PT_LOAD segment
    uintptr_t end;        // one past its last byte
    uintptr_t load_bias;  // dlpi_addr
    uint32_t name_offset;
} c_mode_module;

typedef struct c_mode_module_table {
    c_mode_module modules[C_MODE_MODULE_CAPACITY];
    int count;
    uint32_t names_used;
    char names[C_MODE_MODULE_NAMES];
} c_mode_module_table;

// Two tables: a refresh fills the one not being read, then publishes it.
static c_mode_module_table c_mode_tables[2];
static _Atomic int c_mode_current_table = -1;
static pthread_mutex_t c_mode_refresh_lock = PTHREAD_MUTEX_INITIALIZER;

static int c_mode_collect(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    c_mode_module_table *table = context;
    const char *name = info->dlpi_name;
    char exe[512];
    if (name == NULL || name[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        name = exe;
    }
    size_t name_length = strlen(name) + 1;
    if (table->names_used + name_length > C_MODE_MODULE_NAMES) return 0;
    uint32_t offset = table->names_used;
    memcpy(table->names + offset, name, name_length);
    table->names_used += (uint32_t)name_length;
    for (int i = 0; i < info->dlpi_phnum && table->count < C_MODE_MODULE_CAPACITY; i++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[i];
        if (header->p_type != PT_LOAD || !(header->p_flags & PF_X)) continue;
        c_mode_module *module = &table->modules[table->count++];
        module->start = info->dlpi_addr + header->p_vaddr;
        module->end = module->start + header->p_memsz;
        module->load_bias = info->dlpi_addr;
        module->name_offset = offset;
    }
    return 0;
}

int c_mode_modules_refresh(void) {
    pthread_mutex_lock(&c_mode_refresh_lock);
    int next = atomic_load(&c_mode_current_table) == 0 ? 1 : 0;
    c_mode_module_table *table = &c_mode_tables[next];
    table->count = 0;
    table->names_used = 0;
    dl_iterate_phdr(c_mode_collect, table);
    atomic_store(&c_mode_current_table, next);
    int count = table->count;
    pthread_mutex_unlock(&c_mode_refresh_lock);
    return count;
}

int c_mode_modules_lookup(uintptr_t address, uintptr_t *load_bias, const char **path) {
    int index = atomic_load(&c_mode_current_table);
    if (index < 0) return 0;
    const c_mode_module_table *table = &c_mode_tables[index];
    for (int i = 0; i < table->count; i++) {
        const c_mode_module *module = &table->modules[i];
        if (address >= module->start && address < module->end) {
            *load_bias = module->load_bias;
            *path = table->names + module->name_offset;
            return 1;
        }
    }
    return 0;
}

const char *c_mode_dladdr_symbol(uintptr_t address) {
    Dl_info info;
    if (dladdr((void *)address, &info) == 0) return NULL;
    return info.dli_sname;
}

const char *c_mode_basename(const char *path) {
    const char *base = path;
    for (const char *p = path; p != NULL && *p != '\0'; p++) {
        if (*p == '/') base = p + 1;
    }
    return base;
}

#else
int c_mode_modules_unsupported_platform(void) { return 0; }
#endif
