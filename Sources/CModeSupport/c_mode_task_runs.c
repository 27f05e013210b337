// Per-run task accounting through the runtime's exclusivity bookkeeping calls (see c_mode_task_stats.h, "task
// runs"). Split from c_mode_task_stats.c, whose table the runs write.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "c_mode_activity.h"
#include "c_mode_task_stats.h"

#include <stddef.h>
#include <stdint.h>

int c_mode_task_runs_active;

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *swift_task_getCurrent(void) __attribute__((weak));

typedef void (*c_mode_tlc_fn)(char *state);

// The run open on this thread: the task's exclusivity state (the runtime's argument, unique per task), the task,
// its entry (NULL when untracked), when it began, and when it suspended (0 while running). A suspended run stays
// here until the next run or the end of the executor job, so that a task that resumes at once on the same thread
// in the same job (a continuation resumed before its await) is one run, not two.
static __thread uintptr_t c_mode_run_state;
static __thread uintptr_t c_mode_run_task;
static __thread c_mode_task_stats_entry *c_mode_run_entry;
static __thread uint64_t c_mode_run_start;
static __thread uint64_t c_mode_run_suspended;
static __thread uint64_t c_mode_run_job_mark;  // the slot's jobs_run when the run suspended, ~0 off a slot

static c_mode_tlc_fn c_mode_enter_original;
static c_mode_tlc_fn c_mode_exit_original;

// Publishes the open run in the thread's activity slot (readers: the console's running state, `warnings`).
static void c_mode_run_publish_(uintptr_t task, uint64_t start) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (slot == 0) return;
    c_mode_activity_run *run = &c_mode_activity_runs[slot - c_mode_activity_slots];
    if (task == 0) {
        if (__atomic_load_n(&run->task, __ATOMIC_RELAXED) != 0) __atomic_store_n(&run->task, 0, __ATOMIC_RELEASE);
        return;
    }
    __atomic_store_n(&run->task, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&run->start_ns, start, __ATOMIC_RELAXED);
    __atomic_store_n(&run->task, (uint64_t)task, __ATOMIC_RELEASE);
}

static void c_mode_run_commit_(uint64_t end) {
    c_mode_task_stats_entry *entry = c_mode_run_entry;
    uintptr_t task = c_mode_run_task;
    uint64_t start = c_mode_run_start;
    c_mode_run_state = 0;
    c_mode_run_task = 0;
    c_mode_run_entry = 0;
    c_mode_run_publish_(0, 0);
    if (entry == 0) return;
    // The task may have been untracked (it ended, or its address was reused) since the run began.
    size_t index = (size_t)(entry - c_mode_task_stats_entries);
    if (__atomic_load_n(&c_mode_task_stats_keys[index], __ATOMIC_ACQUIRE) != (uint64_t)task) return;
    c_mode_task_stats_add_job_(entry, start, end);
}

static uint64_t c_mode_run_job_mark_(void) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (slot == 0 || slot->depth == 0) return ~0ull;
    return __atomic_load_n(&slot->jobs_run, __ATOMIC_RELAXED);
}

static void c_mode_run_entered_(uintptr_t state) {
    uint64_t now = c_mode_activity_now_ns();
    if (c_mode_run_state != 0) {
        uint64_t mark = c_mode_run_job_mark;
        if (c_mode_run_state == state && c_mode_run_suspended != 0 && mark != ~0ull && mark == c_mode_run_job_mark_()) {
            c_mode_run_suspended = 0;  // resumed without leaving this thread's job: the same run goes on
            c_mode_run_publish_(c_mode_run_task, c_mode_run_start);
            return;
        }
        c_mode_run_commit_(c_mode_run_suspended != 0 ? c_mode_run_suspended : now);
    }
    uintptr_t task = swift_task_getCurrent != NULL ? (uintptr_t)swift_task_getCurrent() : 0;
    if (task == 0) return;
    c_mode_run_state = state;
    c_mode_run_task = task;
    c_mode_run_start = now;
    c_mode_run_suspended = 0;
    c_mode_run_publish_(task, now);
    c_mode_task_stats_entry *entry = c_mode_task_stats_find_(task);
    c_mode_run_entry = entry;
    if (entry == 0) return;
    c_mode_task_stats_take_wait_(entry, now);
}

static void c_mode_run_exited_(uintptr_t state) {
    if (c_mode_run_state != state || c_mode_run_suspended != 0) return;
    c_mode_run_suspended = c_mode_activity_now_ns();
    c_mode_run_job_mark = c_mode_run_job_mark_();
    c_mode_run_publish_(0, 0);
}

static void c_mode_task_run_enter(char *state) {
    c_mode_enter_original(state);
    if (__atomic_load_n(&c_mode_task_runs_active, __ATOMIC_RELAXED)) c_mode_run_entered_((uintptr_t)state);
}

static void c_mode_task_run_exit(char *state) {
    c_mode_exit_original(state);
    if (__atomic_load_n(&c_mode_task_runs_active, __ATOMIC_RELAXED)) c_mode_run_exited_((uintptr_t)state);
}

void c_mode_task_runs_job_ended(uint64_t end_ns) {
    if (c_mode_run_state == 0) return;
    c_mode_run_commit_(c_mode_run_suspended != 0 ? c_mode_run_suspended : end_ns);
}

int c_mode_task_runs_adopt_(uintptr_t task, c_mode_task_stats_entry *entry) {
    if (!__atomic_load_n(&c_mode_task_runs_active, __ATOMIC_RELAXED)) return 0;
    if (c_mode_run_task != task || c_mode_run_state == 0) return 0;  // no run of it seen: counted as a job
    c_mode_run_entry = entry;
    return 1;
}

uintptr_t c_mode_task_runs_current_task(void) { return c_mode_run_suspended == 0 ? c_mode_run_task : 0; }

// MARK: installing

#if defined(__x86_64__)
#define C_MODE_R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define C_MODE_R_GLOB_DAT R_X86_64_GLOB_DAT
#else
#define C_MODE_R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define C_MODE_R_GLOB_DAT R_AARCH64_GLOB_DAT
#endif

typedef struct c_mode_runs_target {
    int found;                // 1 when libswift_Concurrency.so was seen
    uintptr_t low, high;      // its mapped range (the lazy-binding PLT stubs are inside)
    uintptr_t relro_low, relro_high;
    c_mode_tlc_fn *enter_slot;
    c_mode_tlc_fn *exit_slot;
} c_mode_runs_target;

static pthread_mutex_t c_mode_runs_lock = PTHREAD_MUTEX_INITIALIZER;
static int c_mode_runs_installed_flag;
static c_mode_tlc_fn *c_mode_runs_enter_slot;
static c_mode_tlc_fn *c_mode_runs_exit_slot;

// The dynamic section's addresses are relocated in place by glibc on these architectures; accept both forms.
static uintptr_t c_mode_runs_address_(uintptr_t base, uintptr_t value) { return value < base ? base + value : value; }

static void c_mode_runs_scan_relocations_(c_mode_runs_target *target, uintptr_t base, const ElfW(Rela) *relocations,
                                          size_t bytes, const ElfW(Sym) *symbols, const char *strings) {
    if (relocations == 0 || symbols == 0 || strings == 0) return;
    for (size_t index = 0; index < bytes / sizeof(ElfW(Rela)); index++) {
        const ElfW(Rela) *relocation = &relocations[index];
        uint32_t type = (uint32_t)ELF64_R_TYPE(relocation->r_info);
        if (type != C_MODE_R_JUMP_SLOT && type != C_MODE_R_GLOB_DAT) continue;
        const char *name = strings + symbols[ELF64_R_SYM(relocation->r_info)].st_name;
        c_mode_tlc_fn *slot = (c_mode_tlc_fn *)(base + relocation->r_offset);
        if (strcmp(name, "swift_task_enterThreadLocalContext") == 0) target->enter_slot = slot;
        else if (strcmp(name, "swift_task_exitThreadLocalContext") == 0) target->exit_slot = slot;
    }
}

static int c_mode_runs_find_(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    c_mode_runs_target *target = (c_mode_runs_target *)data;
    if (info->dlpi_name == 0 || strstr(info->dlpi_name, "libswift_Concurrency.so") == 0) return 0;
    target->found = 1;
    uintptr_t base = (uintptr_t)info->dlpi_addr;
    const ElfW(Dyn) *dynamic = 0;
    target->low = UINTPTR_MAX;
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        uintptr_t start = base + header->p_vaddr, end = start + header->p_memsz;
        if (header->p_type == PT_DYNAMIC) dynamic = (const ElfW(Dyn) *)start;
        if (header->p_type == PT_GNU_RELRO) { target->relro_low = start; target->relro_high = end; }
        if (header->p_type == PT_LOAD) {
            if (start < target->low) target->low = start;
            if (end > target->high) target->high = end;
        }
    }
    if (dynamic == 0) return 1;
    const ElfW(Rela) *plt = 0, *rela = 0;
    size_t plt_bytes = 0, rela_bytes = 0;
    const ElfW(Sym) *symbols = 0;
    const char *strings = 0;
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        switch (entry->d_tag) {
        case DT_JMPREL: plt = (const ElfW(Rela) *)c_mode_runs_address_(base, entry->d_un.d_ptr); break;
        case DT_PLTRELSZ: plt_bytes = entry->d_un.d_val; break;
        case DT_RELA: rela = (const ElfW(Rela) *)c_mode_runs_address_(base, entry->d_un.d_ptr); break;
        case DT_RELASZ: rela_bytes = entry->d_un.d_val; break;
        case DT_SYMTAB: symbols = (const ElfW(Sym) *)c_mode_runs_address_(base, entry->d_un.d_ptr); break;
        case DT_STRTAB: strings = (const char *)c_mode_runs_address_(base, entry->d_un.d_ptr); break;
        default: break;
        }
    }
    c_mode_runs_scan_relocations_(target, base, plt, plt_bytes, symbols, strings);
    c_mode_runs_scan_relocations_(target, base, rela, rela_bytes, symbols, strings);
    return 1;
}

// Writes `value` into `slot`, lifting RELRO's read-only protection for the store when the slot is inside it.
static int c_mode_runs_write_(const c_mode_runs_target *target, c_mode_tlc_fn *slot, c_mode_tlc_fn value) {
    uintptr_t address = (uintptr_t)slot;
    int protect = address >= target->relro_low && address < target->relro_high;
    uintptr_t page = address & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
    size_t length = (size_t)sysconf(_SC_PAGESIZE);
    if (protect && mprotect((void *)page, length, PROT_READ | PROT_WRITE) != 0) return -1;
    __atomic_store_n(slot, value, __ATOMIC_RELEASE);
    if (protect) mprotect((void *)page, length, PROT_READ);
    return 0;
}

// What a slot calls now: a lazily bound slot points at the library's own PLT stub (calling it would bind the slot
// and drop our function), so the original is then looked up by name; anything else (bound, or another tool's
// redirection) is chained as found.
static c_mode_tlc_fn c_mode_runs_original_(const c_mode_runs_target *target, c_mode_tlc_fn *slot, const char *name) {
    c_mode_tlc_fn current = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    uintptr_t address = (uintptr_t)current;
    if (current != 0 && (address < target->low || address >= target->high)) return current;
    return (c_mode_tlc_fn)dlsym(RTLD_DEFAULT, name);
}

static int c_mode_runs_locate_(c_mode_runs_target *target) {
    memset(target, 0, sizeof(*target));
    dl_iterate_phdr(c_mode_runs_find_, target);
    if (!target->found) return -1;
    if (target->enter_slot == 0 || target->exit_slot == 0) return -2;
    return 0;
}

int c_mode_task_runs_install(void) {
    pthread_mutex_lock(&c_mode_runs_lock);
    int result = 0;
    if (c_mode_runs_installed_flag) goto done;
    if (swift_task_getCurrent == NULL) { result = -1; goto done; }
    c_mode_runs_target target;
    result = c_mode_runs_locate_(&target);
    if (result != 0) goto done;
    c_mode_tlc_fn enter = c_mode_runs_original_(&target, target.enter_slot, "swift_task_enterThreadLocalContext");
    c_mode_tlc_fn exit = c_mode_runs_original_(&target, target.exit_slot, "swift_task_exitThreadLocalContext");
    if (enter == 0 || exit == 0 || enter == c_mode_task_run_enter || exit == c_mode_task_run_exit) {
        result = -3;
        goto done;
    }
    c_mode_enter_original = enter;
    c_mode_exit_original = exit;
    // The exit slot first: a run that begins before the enter slot is ours is simply not seen.
    if (c_mode_runs_write_(&target, target.exit_slot, c_mode_task_run_exit) != 0) { result = -4; goto done; }
    if (c_mode_runs_write_(&target, target.enter_slot, c_mode_task_run_enter) != 0) {
        c_mode_runs_write_(&target, target.exit_slot, exit);
        result = -4;
        goto done;
    }
    c_mode_runs_enter_slot = target.enter_slot;
    c_mode_runs_exit_slot = target.exit_slot;
    c_mode_runs_installed_flag = 1;
    __atomic_store_n(&c_mode_task_runs_active, 1, __ATOMIC_RELEASE);
done:
    pthread_mutex_unlock(&c_mode_runs_lock);
    return result;
}

void c_mode_task_runs_uninstall(void) {
    pthread_mutex_lock(&c_mode_runs_lock);
    if (c_mode_runs_installed_flag) {
        __atomic_store_n(&c_mode_task_runs_active, 0, __ATOMIC_RELEASE);
        c_mode_runs_target target;
        if (c_mode_runs_locate_(&target) == 0) {
            // Our functions stay callable (a thread may be inside one) and keep calling the originals.
            if (__atomic_load_n(c_mode_runs_enter_slot, __ATOMIC_ACQUIRE) == c_mode_task_run_enter)
                c_mode_runs_write_(&target, c_mode_runs_enter_slot, c_mode_enter_original);
            if (__atomic_load_n(c_mode_runs_exit_slot, __ATOMIC_ACQUIRE) == c_mode_task_run_exit)
                c_mode_runs_write_(&target, c_mode_runs_exit_slot, c_mode_exit_original);
        }
        c_mode_runs_installed_flag = 0;
    }
    pthread_mutex_unlock(&c_mode_runs_lock);
}

int c_mode_task_runs_installed(void) { return __atomic_load_n(&c_mode_runs_installed_flag, __ATOMIC_ACQUIRE); }

#else
void c_mode_task_runs_job_ended(uint64_t end_ns) { (void)end_ns; }
int c_mode_task_runs_adopt_(uintptr_t task, c_mode_task_stats_entry *entry) { (void)task; (void)entry; return 0; }
uintptr_t c_mode_task_runs_current_task(void) { return 0; }
int c_mode_task_runs_install(void) { return -1; }
void c_mode_task_runs_uninstall(void) {}
int c_mode_task_runs_installed(void) { return 0; }
#endif
