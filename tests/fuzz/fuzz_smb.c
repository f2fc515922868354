/* SMB parser: NBSS framing, SMB1, SMB2/3, NTLMSSP, DCE/RPC, request pairing.
 * Input: chunks of both directions and gaps (chunks.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chunks.h"
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

static void on_data(void *c, int dir, const uint8_t *p, size_t n) { smb_conn_data(c, dir, p, n); }
static void on_gap(void *c, int dir, size_t n) { smb_conn_gap(c, dir, n); }

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
    fuzz_chunk_sink chunks = {on_data, on_gap, c};
    fuzz_chunks(data, size, &chunks);
    smb_conn_flush(c);
    smb_conn_free(c);
    return 0;
}
