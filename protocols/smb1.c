#include "smb1.h"

#include <string.h>

#include "reader.h"
#include "smb_int.h"

int smb1_parse_header(const uint8_t *msg, size_t len, smb1_hdr *h)
{
    rd_t r = rd_make(msg, len);
    const uint8_t *sig = rd_bytes(&r, 4);
    h->command = rd_u8(&r);
    h->status = rd_le32(&r);
    h->flags = rd_u8(&r);
    h->flags2 = rd_le16(&r);
    uint16_t pid_high = rd_le16(&r);
    rd_skip(&r, 8 + 2); /* SecurityFeatures, Reserved */
    h->tid = rd_le16(&r);
    uint16_t pid_low = rd_le16(&r);
    h->uid = rd_le16(&r);
    h->mid = rd_le16(&r);
    (void)pid_high;
    h->pid = pid_low;
    return rd_ok(&r) && memcmp(sig, "\xFFSMB", 4) == 0;
}

void smb1_handle(smb_conn *c, const uint8_t *pdu, size_t avail)
{
    smb1_hdr h;
    if (!smb1_parse_header(pdu, avail, &h)) {
        c->st.malformed++;
        return;
    }
    smb_note_direction(c, (h.flags & SMB1_FLAGS_REPLY) != 0);
}
