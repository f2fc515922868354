/* SMB parser: NBSS framing, SMB1, SMB2/3, NTLMSSP, DCE/RPC, request pairing.
 * Input: a sequence of chunks [dir:1 bit | gap:1 bit | len:14 bits LE][bytes];
 * each chunk is delivered to one direction, or announced as a gap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocols/smb_conn.h"

static uint64_t facts;

static void on_fact(void *ctx, const smb_fact *f)
{
    (void)ctx;
    /* Touch every string so ASan sees a bad pointer. */
    const smb_fact_tree *t = smb_fact_tree_of(f);
    const smb_fact_file *file = smb_fact_file_of(f);
    bool svc = f->h.kind == SMB_FACT_SERVICE;
    const char *s[] = {t ? t->share : NULL,
                       file ? file->filename : NULL,
                       f->h.who.user,
                       f->h.who.domain,
                       f->h.who.workstation,
                       svc ? f->u.service.name : NULL,
                       svc ? f->u.service.display_name : NULL,
                       svc ? f->u.service.binary_path : NULL,
                       svc ? f->u.service.account : NULL,
                       svc ? f->u.service.operation : NULL};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (s[i])
            facts += strlen(s[i]);
    facts++;
}

/* Admin-share write bytes: read every one, and the names. */
static void on_write(void *ctx, const smb_write_data *w)
{
    (void)ctx;
    for (size_t i = 0; i < w->len; i++)
        facts += w->data[i];
    facts += strlen(w->share) + strlen(w->filename) + w->file_id[15] + w->offset + w->missing;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    smb_limits l;
    smb_limits_default(&l);
    l.max_sessions = 4;
    l.max_trees = 4;
    l.max_files = 8;
    l.max_pending = 8;
    l.max_pdu_buffer = 4096;
    smb_sink sink = {on_fact, NULL};
    smb_conn *c = smb_conn_new(&l, sink);
    if (!c)
        return 0;
    smb_conn_set_write_hook(c, on_write);
    size_t off = 0;
    while (off + 2 <= size) {
        uint16_t h = (uint16_t)(data[off] | (data[off + 1] << 8));
        off += 2;
        int dir = h & 1;
        size_t len = (size_t)(h >> 2);
        if (len > size - off)
            len = size - off;
        if (h & 2)
            smb_conn_gap(c, dir, len + 1);
        else
            smb_conn_data(c, dir, data + off, len);
        off += len;
    }
    if (off < size)
        smb_conn_data(c, 0, data + off, size - off);
    smb_conn_flush(c);
    smb_conn_free(c);
    return 0;
}
