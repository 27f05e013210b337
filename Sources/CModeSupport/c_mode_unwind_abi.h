// The part of libunwind's ABI that c_mode_capture.c uses, declared here so that building swift-mode needs no
// development headers (Debian's libunwind-dev): the library itself is loaded at run time with dlopen, and a
// machine without libunwind.so.8 falls back to a frame-pointer walk.
//
// Source: nongnu libunwind 1.6 (Debian 12's libunwind8), include/libunwind-x86_64.h and libunwind-common.h.
// These names and values have been stable since libunwind 1.0 (the cursor length 127 words, the register
// numbers, the UNW_OBJ symbol prefix _ULx86_64_ for the local-only variant). `.ci/run` compiles
// Tests/CModeSupportABI/abi_check.c against the real headers, which static-asserts every value below.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#if defined(__x86_64__)
#define C_MODE_HAVE_LIBUNWIND_ABI 1

typedef uint64_t c_mode_unw_word_t;
typedef int c_mode_unw_regnum_t;
/// unw_cursor_t: UNW_TDEP_CURSOR_LEN (127) words, opaque.
typedef struct {
    c_mode_unw_word_t opaque[127];
} c_mode_unw_cursor_t;
/// unw_context_t: on x86_64 libunwind uses ucontext_t itself as the context.
typedef ucontext_t c_mode_unw_context_t;
typedef struct c_mode_unw_addr_space *c_mode_unw_addr_space_t;

enum {
    C_MODE_UNW_X86_64_RBP = 6,         // UNW_X86_64_RBP
    C_MODE_UNW_X86_64_RSP = 7,         // UNW_X86_64_RSP
    C_MODE_UNW_REG_IP = 16,            // UNW_REG_IP == UNW_X86_64_RIP
    C_MODE_UNW_INIT_SIGNAL_FRAME = 1,  // UNW_INIT_SIGNAL_FRAME
    C_MODE_UNW_CACHE_GLOBAL = 1,       // UNW_CACHE_GLOBAL
    C_MODE_UNW_CACHE_PER_THREAD = 2,   // UNW_CACHE_PER_THREAD
    C_MODE_UNW_EBADREG = 3,            // UNW_EBADREG
    C_MODE_UNW_EREADONLYREG = 4,       // UNW_EREADONLYREG
    C_MODE_UNW_EINVAL = 8,             // UNW_EINVAL
};

/// unw_accessors_t: the callbacks of an address space (the remote interface). Pointer arguments whose types
/// we never look into (unw_proc_info_t, unw_fpreg_t) are `void *`.
typedef struct {
    int (*find_proc_info)(c_mode_unw_addr_space_t, c_mode_unw_word_t, void *, int, void *);
    void (*put_unwind_info)(c_mode_unw_addr_space_t, void *, void *);
    int (*get_dyn_info_list_addr)(c_mode_unw_addr_space_t, c_mode_unw_word_t *, void *);
    int (*access_mem)(c_mode_unw_addr_space_t, c_mode_unw_word_t, c_mode_unw_word_t *, int, void *);
    int (*access_reg)(c_mode_unw_addr_space_t, c_mode_unw_regnum_t, c_mode_unw_word_t *, int, void *);
    int (*access_fpreg)(c_mode_unw_addr_space_t, c_mode_unw_regnum_t, void *, int, void *);
    int (*resume)(c_mode_unw_addr_space_t, c_mode_unw_cursor_t *, void *);
    int (*get_proc_name)(c_mode_unw_addr_space_t, c_mode_unw_word_t, char *, size_t, c_mode_unw_word_t *, void *);
} c_mode_unw_accessors_t;

// Symbol names, as UNW_OBJ / UNW_ARCH_OBJ spell them with UNW_LOCAL_ONLY defined.
#define C_MODE_UNW_SYM_INIT_LOCAL2 "_ULx86_64_init_local2"
#define C_MODE_UNW_SYM_INIT_LOCAL "_ULx86_64_init_local"
#define C_MODE_UNW_SYM_STEP "_ULx86_64_step"
#define C_MODE_UNW_SYM_GET_REG "_ULx86_64_get_reg"
#define C_MODE_UNW_SYM_GETCONTEXT "_Ux86_64_getcontext"
#define C_MODE_UNW_SYM_SET_CACHING_POLICY "_ULx86_64_set_caching_policy"
#define C_MODE_UNW_SYM_LOCAL_ADDR_SPACE "_ULx86_64_local_addr_space"

// The remote interface lives in the generic library, libunwind-x86_64.so.8 (same Debian package, libunwind8),
// whose names have no L (UNW_ARCH_OBJ, as when UNW_LOCAL_ONLY is not defined).
#define C_MODE_UNW_REMOTE_LIBRARY "libunwind-x86_64.so.8"
#define C_MODE_UNW_SYM_REMOTE_CREATE_ADDR_SPACE "_Ux86_64_create_addr_space"
#define C_MODE_UNW_SYM_REMOTE_GET_ACCESSORS "_Ux86_64_get_accessors"
#define C_MODE_UNW_SYM_REMOTE_LOCAL_ADDR_SPACE "_Ux86_64_local_addr_space"
#define C_MODE_UNW_SYM_REMOTE_SET_CACHING_POLICY "_Ux86_64_set_caching_policy"
#define C_MODE_UNW_SYM_REMOTE_INIT_REMOTE "_Ux86_64_init_remote"
#define C_MODE_UNW_SYM_REMOTE_STEP "_Ux86_64_step"
#define C_MODE_UNW_SYM_REMOTE_GET_REG "_Ux86_64_get_reg"
#endif
