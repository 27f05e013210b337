// Async-signal-safe text building and writing (see c_mode_io.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_io.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void c_mode_buf_init(c_mode_buf *buf, char *storage, size_t capacity) {
    buf->data = storage;
    buf->capacity = capacity;
    buf->length = 0;
    buf->truncated = 0;
}

void c_mode_buf_char(c_mode_buf *buf, char c) {
    if (buf->length < buf->capacity) {
        buf->data[buf->length++] = c;
    } else {
        buf->truncated = 1;
    }
}

void c_mode_buf_strn(c_mode_buf *buf, const char *s, size_t n) {
    if (s == NULL) return;
    for (size_t i = 0; i < n && s[i] != '\0'; i++) c_mode_buf_char(buf, s[i]);
}

void c_mode_buf_str(c_mode_buf *buf, const char *s) {
    if (s == NULL) return;
    while (*s != '\0') c_mode_buf_char(buf, *s++);
}

void c_mode_buf_json_str(c_mode_buf *buf, const char *s) {
    static const char hex[] = "0123456789abcdef";
    if (s == NULL) return;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': c_mode_buf_str(buf, "\\\""); break;
        case '\\': c_mode_buf_str(buf, "\\\\"); break;
        case '\n': c_mode_buf_str(buf, "\\n"); break;
        case '\r': c_mode_buf_str(buf, "\\r"); break;
        case '\t': c_mode_buf_str(buf, "\\t"); break;
        default:
            if (c < 0x20) {
                c_mode_buf_str(buf, "\\u00");
                c_mode_buf_char(buf, hex[c >> 4]);
                c_mode_buf_char(buf, hex[c & 15]);
            } else {
                c_mode_buf_char(buf, (char)c);
            }
        }
    }
}

void c_mode_buf_dec(c_mode_buf *buf, int64_t value) {
    char digits[24];
    int n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)(-(value + 1)) + 1 : (uint64_t)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) c_mode_buf_char(buf, '-');
    while (n > 0) c_mode_buf_char(buf, digits[--n]);
}

void c_mode_buf_hex(c_mode_buf *buf, uint64_t value, int min_digits) {
    static const char hex[] = "0123456789abcdef";
    char digits[16];
    int n = 0;
    do {
        digits[n++] = hex[value & 15];
        value >>= 4;
    } while (value != 0);
    while (n < min_digits && n < 16) digits[n++] = '0';
    c_mode_buf_str(buf, "0x");
    while (n > 0) c_mode_buf_char(buf, digits[--n]);
}

int c_mode_write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t written = write(fd, data, len);
        if (written < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += written;
        len -= (size_t)written;
    }
    return 0;
}

int32_t c_mode_gettid(void) { return (int32_t)syscall(SYS_gettid); }

#else
int c_mode_io_unsupported_platform(void) { return 0; }
#endif
