// A snapshot of the loaded images (executable and shared objects) precomputed outside signal handlers, so the
// crash handler can turn addresses into module+offset without dl_iterate_phdr (which takes the loader lock and
// is not async-signal-safe). Refresh it after dlopen with c_mode_modules_refresh.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rebuilds the module table (takes the loader lock; not for signal handlers). Returns the number of modules.
int c_mode_modules_refresh(void);

/// Looks `address` up in the last table. On success returns 1, sets `*load_bias` (the value to subtract to get
/// the ELF virtual address that addr2line/llvm-symbolizer expect) and `*path` (the module's full path; valid
/// until the next-but-one refresh). Async-signal-safe, lock-free. Returns 0 when the address is in no module.
int c_mode_modules_lookup(uintptr_t address, uintptr_t *load_bias, const char **path);

/// dladdr(3) for Swift (which imports Glibc without _GNU_SOURCE): the nearest exported symbol at or below
/// `address`, or NULL.
const char *c_mode_dladdr_symbol(uintptr_t address);

/// The last path component of `path` (a pointer into it).
const char *c_mode_basename(const char *path);

#ifdef __cplusplus
}
#endif
