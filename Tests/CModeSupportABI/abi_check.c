// Checks Sources/CModeSupport/c_mode_unwind_abi.h against the real libunwind headers (Debian's libunwind-dev).
// Not part of the build (the build needs no libunwind headers); `.ci/run` compiles it when the headers exist:
//
//     cc -fsyntax-only -D_GNU_SOURCE -I Sources/CModeSupport Tests/CModeSupportABI/abi_check.c
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stddef.h>
#include <string.h>

#include "c_mode_unwind_abi.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define SAME_NAME(ours, theirs) (__builtin_strcmp(ours, STR(theirs)) == 0)

_Static_assert(sizeof(c_mode_unw_cursor_t) == sizeof(unw_cursor_t), "unw_cursor_t size");
_Static_assert(sizeof(c_mode_unw_context_t) == sizeof(unw_context_t), "unw_context_t size");
_Static_assert(sizeof(c_mode_unw_word_t) == sizeof(unw_word_t), "unw_word_t size");
_Static_assert(sizeof(c_mode_unw_regnum_t) == sizeof(unw_regnum_t), "unw_regnum_t size");
_Static_assert(C_MODE_UNW_X86_64_RBP == UNW_X86_64_RBP, "UNW_X86_64_RBP");
_Static_assert(C_MODE_UNW_REG_IP == UNW_REG_IP, "UNW_REG_IP");
_Static_assert(C_MODE_UNW_INIT_SIGNAL_FRAME == UNW_INIT_SIGNAL_FRAME, "UNW_INIT_SIGNAL_FRAME");
_Static_assert(C_MODE_UNW_CACHE_PER_THREAD == UNW_CACHE_PER_THREAD, "UNW_CACHE_PER_THREAD");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_INIT_LOCAL2, unw_init_local2), "unw_init_local2 symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_INIT_LOCAL, unw_init_local), "unw_init_local symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_STEP, unw_step), "unw_step symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_GET_REG, unw_get_reg), "unw_get_reg symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_GETCONTEXT, unw_tdep_getcontext), "unw_tdep_getcontext symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_SET_CACHING_POLICY, unw_set_caching_policy), "unw_set_caching_policy symbol");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_LOCAL_ADDR_SPACE, unw_local_addr_space), "unw_local_addr_space symbol");
