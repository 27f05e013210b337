// Reads a task-local from a Swift task object by address, with checked reads only (see c_mode_task_object.h).
#include "c_mode_task_object.h"
#include "c_mode_internal.h"

#include "c_mode_modules.h"

#include <string.h>

// TaskLocal::Item (swift/ABI/TaskLocal.h): { nextAndKind, key, valueType, value... }. nextAndKind is an
// llvm::PointerIntPair<Item *, 2, Kind>: an item is 8-aligned, so 3 low bits are free and the 2-bit kind sits in
// the top two of them (bits 1-2); the pointer is the word with the 3 low bits cleared. The value of an
// Optional<UInt64> (size 9, alignment 8) starts at 24: 8 payload bytes, then the tag byte (0 some, 1 none).
enum {
    C_MODE_ITEM_VALUE = 0,
    C_MODE_ITEM_VALUE_IN_GROUP_BODY = 1,
    C_MODE_ITEM_PARENT_MARKER = 2,
    C_MODE_ITEM_STOP_LOOKUP = 3,
    C_MODE_ITEM_VALUE_TYPE_OFFSET = 16,
    C_MODE_ITEM_STORAGE_OFFSET = 24,
    // JobFlags: the low byte is the job kind; 0 is a task.
    C_MODE_JOB_KIND_MASK = 0xff,
    C_MODE_JOB_KIND_TASK = 0,
    C_MODE_JOB_PRIORITY_MASK = 0xff00,
};

static int c_mode_plausible_pointer(uintptr_t address) {
    return address >= 4096 && (address & (sizeof(void *) - 1)) == 0 && address < ((uintptr_t)1 << 56);
}

static int c_mode_task_header(uintptr_t task, uintptr_t *metadata, uint32_t *flags, uintptr_t *head) {
    uintptr_t words[2];
    if (!c_mode_plausible_pointer(task) || !c_mode_read_words(task, words)) return 0;
    *metadata = words[0];
    if (!c_mode_read_words(task + C_MODE_TASK_OBJECT_FLAGS_OFFSET, words)) return 0;
    *flags = (uint32_t)words[0];
    if (!c_mode_read_words(task + C_MODE_TASK_OBJECT_LOCAL_HEAD_OFFSET, words)) return 0;
    *head = words[0];
    return 1;
}

// The item binding `key` in the chain from `head` (0 when none is visible), or -1 when the chain is implausible.
static intptr_t c_mode_find_item(uintptr_t head, uintptr_t key) {
    uintptr_t item = head;
    for (int steps = 0; item != 0; steps++) {
        if (steps >= C_MODE_TASK_OBJECT_MAX_ITEMS || !c_mode_plausible_pointer(item)) return -1;
        uintptr_t words[2];
        if (!c_mode_read_words(item, words)) return -1;
        uintptr_t kind = (words[0] >> 1) & 3;
        if (kind == C_MODE_ITEM_STOP_LOOKUP) return 0;
        if ((kind == C_MODE_ITEM_VALUE || kind == C_MODE_ITEM_VALUE_IN_GROUP_BODY) && words[1] == key) {
            return (intptr_t)item;
        }
        if (words[0] & 1) return -1;  // the unused low bit is never set
        item = words[0] & ~(uintptr_t)7;
    }
    return 0;
}

int c_mode_task_object_probe(uintptr_t task, uintptr_t key, uintptr_t *task_metadata, uintptr_t *value_type) {
    uint32_t flags;
    uintptr_t head;
    *task_metadata = 0;
    *value_type = 0;
    if (!c_mode_task_header(task, task_metadata, &flags, &head)) return 0;
    intptr_t item = c_mode_find_item(head, key);
    uintptr_t words[2];
    if (item > 0 && c_mode_read_words((uintptr_t)item + C_MODE_ITEM_VALUE_TYPE_OFFSET, words)) {
        *value_type = words[0];
    }
    return 1;
}

c_mode_task_object_status c_mode_task_object_read(uintptr_t task, uintptr_t key, uintptr_t task_metadata,
                                                  uintptr_t value_type, c_mode_task_clues *out) {
    memset(out, 0, sizeof *out);
    uintptr_t metadata, head;
    uint32_t flags;
    if (!c_mode_task_header(task, &metadata, &flags, &head)) return C_MODE_TASK_OBJECT_NOT_A_TASK;
    if ((task_metadata != 0 && metadata != task_metadata) || (flags & C_MODE_JOB_KIND_MASK) != C_MODE_JOB_KIND_TASK) {
        return C_MODE_TASK_OBJECT_NOT_A_TASK;
    }
    out->task = task;
    out->flags = flags;
    if (key == 0 || head == 0) return C_MODE_TASK_OBJECT_OK;
    intptr_t item = c_mode_find_item(head, key);
    if (item < 0) return C_MODE_TASK_OBJECT_IMPLAUSIBLE;
    if (item > 0) {
        uintptr_t type[2], value[2];
        if (!c_mode_read_words((uintptr_t)item + C_MODE_ITEM_VALUE_TYPE_OFFSET, type)
            || !c_mode_read_words((uintptr_t)item + C_MODE_ITEM_STORAGE_OFFSET, value)) {
            return C_MODE_TASK_OBJECT_IMPLAUSIBLE;
        }
        if (value_type != 0 && type[0] != value_type) return C_MODE_TASK_OBJECT_IMPLAUSIBLE;
        unsigned char tag = (unsigned char)(value[1] & 0xff);
        if (tag > 1) return C_MODE_TASK_OBJECT_IMPLAUSIBLE;
        if (tag == 0) {
            out->scope = (uint64_t)value[0];
            out->has_scope = 1;
        }
    }
    // The task may have ended (and its memory been reused) during the walk: it must still be the same task.
    uintptr_t again_metadata, again_head;
    uint32_t again_flags;
    // (The priority byte may be raised meanwhile: it is not compared.)
    if (!c_mode_task_header(task, &again_metadata, &again_flags, &again_head) || again_metadata != metadata
        || (again_flags & ~C_MODE_JOB_PRIORITY_MASK) != (flags & ~C_MODE_JOB_PRIORITY_MASK) || again_head != head) {
        out->has_scope = 0;
        out->scope = 0;
        return C_MODE_TASK_OBJECT_IMPLAUSIBLE;
    }
    return C_MODE_TASK_OBJECT_OK;
}

// MARK: - Async stacks

// The words of a suspended task that must not change while its chain is read.
typedef struct c_mode_async_header {
    uintptr_t metadata, resume, context;
    uint32_t flags, status;
} c_mode_async_header;

static int c_mode_async_header_read(uintptr_t task, const c_mode_async_layout *layout, c_mode_async_header *out) {
    uintptr_t words[2];
    if (!c_mode_plausible_pointer(task) || !c_mode_read_words(task, words)) return 0;
    out->metadata = words[0];
    if (!c_mode_read_words(task + C_MODE_TASK_OBJECT_FLAGS_OFFSET, words)) return 0;
    out->flags = (uint32_t)words[0];
    if (!c_mode_read_words(task + layout->resume_task_offset, words)) return 0;
    out->resume = words[0];
    if (!c_mode_read_words(task + layout->resume_context_offset, words)) return 0;
    out->context = words[0];
    if (!c_mode_read_words(task + layout->status_offset, words)) return 0;
    out->status = (uint32_t)words[0];
    return 1;
}

c_mode_async_stack_status c_mode_task_async_stack_read(uintptr_t task, uintptr_t task_metadata,
                                                       const c_mode_async_layout *layout, c_mode_async_stack *out) {
    memset(out, 0, sizeof *out);
    c_mode_async_header before, after;
    if (!c_mode_async_header_read(task, layout, &before)) return C_MODE_ASYNC_STACK_NOT_A_TASK;
    if ((task_metadata != 0 && before.metadata != task_metadata)
        || (before.flags & C_MODE_JOB_KIND_MASK) != C_MODE_JOB_KIND_TASK) {
        return C_MODE_ASYNC_STACK_NOT_A_TASK;
    }
    out->status_flags = before.status;
    if (before.status & layout->complete_bit) return C_MODE_ASYNC_STACK_COMPLETE;
    if (before.status & layout->running_bit) return C_MODE_ASYNC_STACK_RUNNING;
    out->resume_task = before.resume;
    out->resume_context = before.context;
    uintptr_t bias = 0;
    const char *path = NULL;
    if (before.context == 0 || (before.context & 15) != 0 || !c_mode_modules_lookup(before.resume, &bias, &path)) {
        return C_MODE_ASYNC_STACK_IMPLAUSIBLE;
    }
    uintptr_t chain[C_MODE_ASYNC_STACK_MAX];
    int complete = 0;
    int n = c_mode_walk_async_context(before.context, chain, C_MODE_ASYNC_STACK_MAX - 1, &complete);
    out->frames[0] = before.resume;
    out->count = 1;
    for (int i = 0; i < n; i++) {
        // A continuation's context resumes the function that awaited it: its ResumeParent repeats ResumeTask.
        if (chain[i] != out->frames[out->count - 1]) out->frames[out->count++] = chain[i];
    }
    out->complete = complete;
    // The task may have resumed, run, suspended elsewhere or ended during the walk: then the chain mixes two
    // states (or freed memory) and is discarded. (The priority byte may be raised meanwhile: not compared.)
    if (!c_mode_async_header_read(task, layout, &after) || after.metadata != before.metadata
        || (after.flags & ~C_MODE_JOB_PRIORITY_MASK) != (before.flags & ~C_MODE_JOB_PRIORITY_MASK)
        || after.resume != before.resume || after.context != before.context
        || ((after.status ^ before.status) & (layout->running_bit | layout->complete_bit)) != 0
        || (after.status & (layout->running_bit | layout->complete_bit)) != 0) {
        out->count = 0;
        return C_MODE_ASYNC_STACK_CHANGED;
    }
    return C_MODE_ASYNC_STACK_OK;
}
