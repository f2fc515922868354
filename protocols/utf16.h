/* UTF-16LE (and 8-bit OEM) strings from the wire to bounded, NUL-terminated UTF-8. */
#ifndef PW_UTF16_H
#define PW_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Longest string (in UTF-8 bytes, without the NUL) kept from a name on the wire. */
#define SMB_NAME_MAX 1024

/* Converts nbytes of UTF-16LE at src into out (capacity outcap >= 1, always
 * NUL-terminated). Unpaired surrogates become U+FFFD; an odd trailing byte is
 * dropped; a NUL code unit ends the string. Output is cut on a character
 * boundary when it does not fit. Returns the length written. */
size_t utf16_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap);

/* The same for UTF-16BE (NDR strings of a big-endian sender). */
size_t utf16be_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap);

/* Same for 8-bit strings (SMB1 without Unicode, NTLM OEM): bytes >= 0x80 are
 * taken as Latin-1 so the result is always valid UTF-8. */
size_t oem_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap);

#endif
