#include "utf16.h"

static size_t put_cp(char *out, size_t pos, size_t outcap, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18));
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    /* a character that does not fit whole is not written at all, so the
     * truncated result stays valid UTF-8 */
    if (pos + n + 1 > outcap)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[pos + i] = (char)b[i];
    return n;
}

static uint32_t unit_at(const uint8_t *src, size_t i, int big_endian)
{
    const uint8_t *b = src + 2 * i;
    return big_endian ? ((uint32_t)b[0] << 8) | b[1] : (uint32_t)b[0] | ((uint32_t)b[1] << 8);
}

static size_t utf16_convert(const uint8_t *src, size_t nbytes, char *out, size_t outcap, int big_endian)
{
    size_t pos = 0;
    if (outcap == 0)
        return 0;
    size_t units = src ? nbytes / 2 : 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = unit_at(src, i, big_endian);
        if (u == 0)
            break;
        uint32_t cp = u;
        if (u >= 0xD800 && u <= 0xDBFF) {
            cp = 0xFFFD;
            if (i + 1 < units) {
                uint32_t lo = unit_at(src, i + 1, big_endian);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i++;
                }
            }
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            cp = 0xFFFD;
        }
        size_t n = put_cp(out, pos, outcap, cp);
        if (n == 0)
            break;
        pos += n;
    }
    out[pos] = '\0';
    return pos;
}

size_t utf16_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap)
{
    return utf16_convert(src, nbytes, out, outcap, 0);
}

size_t utf16be_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap)
{
    return utf16_convert(src, nbytes, out, outcap, 1);
}

size_t oem_to_utf8(const uint8_t *src, size_t nbytes, char *out, size_t outcap)
{
    size_t pos = 0;
    if (outcap == 0)
        return 0;
    for (size_t i = 0; src && i < nbytes; i++) {
        if (src[i] == 0)
            break;
        size_t n = put_cp(out, pos, outcap, src[i]);
        if (n == 0)
            break;
        pos += n;
    }
    out[pos] = '\0';
    return pos;
}
