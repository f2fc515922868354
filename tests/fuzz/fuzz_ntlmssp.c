/* NTLMSSP and the GSS-API/SPNEGO wrapping around it, straight from a
 * SESSION_SETUP security blob. Input: [mode:1][blob]; mode bit 0 picks a raw
 * NTLM message instead of a blob. The message is a private copy so reads
 * past it are caught; the names must be terminated within their buffers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/ntlmssp.h"

static uint64_t sum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *blob = malloc(len ? len : 1);
    if (!blob)
        return 0;
    memcpy(blob, data + 1, len);
    ntlmssp_info ni;
    ntlmssp_kind k = data[0] & 1 ? ntlmssp_parse_message(blob, len, &ni) : ntlmssp_parse_blob(blob, len, &ni);
    if (k == NTLMSSP_AUTHENTICATE) {
        if (memchr(ni.user, 0, sizeof(ni.user)) == NULL || memchr(ni.domain, 0, sizeof(ni.domain)) == NULL ||
            memchr(ni.workstation, 0, sizeof(ni.workstation)) == NULL)
            abort();
        sum += strlen(ni.user) + strlen(ni.domain) + strlen(ni.workstation);
    }
    sum += (uint64_t)k;
    free(blob);
    return 0;
}
