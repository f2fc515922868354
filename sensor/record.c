/* Record kinds by name, and the text of header fields. */
#include "record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* IPv4 in dotted decimal by hand (inet_ntop goes through sprintf); IPv6
 * through inet_ntop, for its zero compression and embedded IPv4 forms. */
void rec_format_ip(uint8_t ipver, const uint8_t *addr, char *out, size_t n)
{
    if (ipver != 6 && n >= 16) {
        char *p = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = addr[i];
            if (i)
                *p++ = '.';
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
        }
        *p = '\0';
        return;
    }
    if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)n))
        snprintf(out, n, "?");
}

#define PW_KIND_NAME(k, name) name,
static const char *const kind_names[REC_KINDS] = {PW_RECORD_KINDS(PW_KIND_NAME)};
#undef PW_KIND_NAME

const char *rec_kind_name(rec_kind k) { return (unsigned)k < REC_KINDS ? kind_names[k] : "unknown"; }

bool rec_kind_parse(const char *name, rec_kind *out)
{
    for (int k = 0; k < REC_KINDS; k++)
        if (!strcmp(kind_names[k], name)) {
            *out = (rec_kind)k;
            return true;
        }
    return false;
}

const char *rec_kind_names(void)
{
    static char names[128];
    if (!names[0]) {
        size_t n = 0;
        for (int k = 0; k < REC_KINDS; k++)
            n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", k ? ", " : "", kind_names[k]);
    }
    return names;
}

