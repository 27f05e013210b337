// Which thread drains libdispatch's main queue right now (where MainActor jobs run after dispatch_main).
#ifndef C_MODE_MAIN_QUEUE_H
#define C_MODE_MAIN_QUEUE_H

#include <stdint.h>

/// Called from a job running on the main queue: finds the word of `_dispatch_main_q` that holds the drain
/// lock's owner (the calling thread's tid, in the low 30 bits). Returns the word index, -1 when libdispatch's
/// main queue is not found, -2 when no word or several words match.
int c_mode_main_queue_find_owner_word(void);

/// Uses word `index` from now on (-1: off).
void c_mode_main_queue_set_owner_word(int index);

/// The tid of the thread draining the main queue, 0 when none (or the owner word is not known).
/// Async-signal-safe: one relaxed load.
int32_t c_mode_main_queue_owner(void);

#endif
