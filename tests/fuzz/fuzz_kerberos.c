/* Kerberos: KDC replies (AS-REP, TGS-REP, UDP or TCP form) and the AP-REQ
 * of a GSS-API token in a security blob. Input: [mode:1][bytes]; mode bit 0
 * picks the AP-REQ search. The bytes are a private copy so reads past them
 * are caught; the names must be terminated within their buffers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/kerberos.h"

static uint64_t sum;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    if (data[0] & 1) {
        krb_ticket_ref t;
        if (krb_find_ap_req(buf, len, &t)) {
            if (!memchr(t.sname, 0, sizeof t.sname) || !memchr(t.realm, 0, sizeof t.realm) || t.id == 0)
                abort();
            sum += strlen(t.sname) + t.id;
        }
    } else {
        krb_kdc_rep r;
        if (krb_parse_kdc_rep(buf, len, &r)) {
            if (!memchr(r.cname, 0, sizeof r.cname) || !memchr(r.crealm, 0, sizeof r.crealm) || !r.cname[0] ||
                r.ticket.id == 0)
                abort();
            sum += strlen(r.cname) + r.ticket.id;
        }
    }
    free(buf);
    return 0;
}
