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

// The remote interface (libunwind-x86_64.so.8): names without the L of UNW_LOCAL_ONLY.
_Static_assert(C_MODE_UNW_X86_64_RSP == UNW_X86_64_RSP, "UNW_X86_64_RSP");
_Static_assert(C_MODE_UNW_CACHE_GLOBAL == UNW_CACHE_GLOBAL, "UNW_CACHE_GLOBAL");
_Static_assert(C_MODE_UNW_EBADREG == UNW_EBADREG, "UNW_EBADREG");
_Static_assert(C_MODE_UNW_EREADONLYREG == UNW_EREADONLYREG, "UNW_EREADONLYREG");
_Static_assert(C_MODE_UNW_EINVAL == UNW_EINVAL, "UNW_EINVAL");
_Static_assert(sizeof(c_mode_unw_accessors_t) == sizeof(unw_accessors_t), "unw_accessors_t size");
#define SAME_OFFSET(field) (offsetof(c_mode_unw_accessors_t, field) == offsetof(unw_accessors_t, field))
_Static_assert(SAME_OFFSET(find_proc_info) && SAME_OFFSET(put_unwind_info) && SAME_OFFSET(get_dyn_info_list_addr) &&
                   SAME_OFFSET(access_mem) && SAME_OFFSET(access_reg) && SAME_OFFSET(access_fpreg) &&
                   SAME_OFFSET(resume) && SAME_OFFSET(get_proc_name),
               "unw_accessors_t layout");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_CREATE_ADDR_SPACE, UNW_ARCH_OBJ(create_addr_space)), "create_addr_space");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_GET_ACCESSORS, unw_get_accessors), "get_accessors");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_LOCAL_ADDR_SPACE, UNW_ARCH_OBJ(local_addr_space)), "local_addr_space");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_SET_CACHING_POLICY, UNW_ARCH_OBJ(set_caching_policy)), "set_caching_policy");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_INIT_REMOTE, UNW_ARCH_OBJ(init_remote)), "init_remote");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_STEP, UNW_ARCH_OBJ(step)), "step");
_Static_assert(SAME_NAME(C_MODE_UNW_SYM_REMOTE_GET_REG, UNW_ARCH_OBJ(get_reg)), "get_reg");
