// The Swift task a thread runs now, read from that thread's copy of the concurrency runtime's thread-local
// `ActiveTask` without touching the thread (for a thread blocked in the kernel, read without a signal).
#ifndef C_MODE_CURRENT_TASK_H
#define C_MODE_CURRENT_TASK_H

#include <stdint.h>

/// Remembers the calling thread's thread pointer by its tid (cheap after the first call on a thread).
void c_mode_note_current_thread(void);

/// Learns where the runtime keeps the current task, from a task running on the calling thread: `task` must be
/// that task's address. Returns 1 when the slot holds `task`, 0 when it cannot be found.
int c_mode_current_task_calibrate(uintptr_t task);

/// Switches the read on (after the Swift side verified it on other threads) or off.
void c_mode_current_task_enable(int enabled);

/// The task thread `tid` runs now, 0 when unknown (no thread pointer noted for it, reads disabled, unreadable
/// memory). `checked` = 1 reads even while disabled (for the verification itself).
uintptr_t c_mode_current_task_of(int32_t tid, int checked);

/// `c_mode_current_task_of` for a thread blocked in a system call, bracketed by two reads of its
/// /proc/self/task/TID/syscall: 0 unless the thread sat in the same call (same stack and program counter) before
/// and after the read, so the task read is the one blocked there.
uintptr_t c_mode_current_task_of_blocked(int32_t tid);

/// The offset of the current-task slot in the runtime's TLS block (-1 before calibration), for tests.
intptr_t c_mode_current_task_slot_offset(void);

/// Whether thread `tid` has a thread pointer noted.
int c_mode_current_task_thread_known(int32_t tid);

#endif
