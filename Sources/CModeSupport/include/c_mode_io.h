// Async-signal-safe text building and writing: a fixed buffer, integer/hex/string appenders and write_all.
// Nothing here allocates, locks or touches stdio; every function may be called from a signal handler.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A caller-provided byte buffer being filled. `length` never exceeds `capacity`; appends past the end are
/// dropped and `truncated` is set.
typedef struct c_mode_buf {
    char *data;
    size_t capacity;
    size_t length;
    int truncated;
} c_mode_buf;

/// Starts an empty buffer over `storage`.
void c_mode_buf_init(c_mode_buf *buf, char *storage, size_t capacity);
/// Appends a NUL-terminated string (NULL appends nothing).
void c_mode_buf_str(c_mode_buf *buf, const char *s);
/// Appends at most `n` bytes of `s`.
void c_mode_buf_strn(c_mode_buf *buf, const char *s, size_t n);
/// Appends `s` escaped for a JSON string body (quotes, backslashes, control characters).
void c_mode_buf_json_str(c_mode_buf *buf, const char *s);
/// Appends one character.
void c_mode_buf_char(c_mode_buf *buf, char c);
/// Appends a signed decimal integer.
void c_mode_buf_dec(c_mode_buf *buf, int64_t value);
/// Appends "0x" and `value` in lowercase hex, zero-padded to at least `min_digits` digits.
void c_mode_buf_hex(c_mode_buf *buf, uint64_t value, int min_digits);

/// Writes all of `len` bytes to `fd`, retrying on EINTR and short writes. Returns 0 or -1.
int c_mode_write_all(int fd, const char *data, size_t len);

/// The calling thread's kernel thread id (gettid).
int32_t c_mode_gettid(void);

#ifdef __cplusplus
}
#endif
