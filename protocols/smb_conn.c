#include "smb_conn.h"

#include <string.h>

#include "smb1.h"
#include "smb2.h"
#include "smb_ops.h"
#include "smb_rpc.h"
#include "smb_state.h"

void smb_limits_default(smb_limits *l)
{
    l->max_sessions = 8;
    l->max_trees = 32;
    l->max_files = 64;
    l->max_pending = 64;
    l->max_pdu_buffer = 65536;
    l->max_rpc_buffer = 262144;
}

static void on_pdu(void *ctx, const uint8_t *pdu, size_t avail, size_t full_len)
{
    smb_conn *c = ctx;
    c->st.pdus[c->cur_dir]++;
    c->cur_truncated = avail < full_len;
    if (avail < 4) {
        c->st.malformed++;
        return;
    }
    if (pdu[1] != 'S' || pdu[2] != 'M' || pdu[3] != 'B') {
        c->st.malformed++;
        return;
    }
    switch (pdu[0]) {
    case 0xFE:
        c->st.smb2_msgs++;
        smb2_handle(c, pdu, avail);
        break;
    case 0xFF:
        c->st.smb1_msgs++;
        smb1_handle(c, pdu, avail);
        break;
    case 0xFD:
        /* SMB3 encryption: nothing inside can be read */
        c->st.encrypted_msgs++;
        break;
    case 0xFC:
        c->st.compressed_msgs++;
        break;
    default:
        c->st.malformed++;
        break;
    }
}

smb_conn *smb_conn_new(const smb_limits *l, smb_sink sink)
{
    smb_limits lim;
    if (l)
        lim = *l;
    else
        smb_limits_default(&lim);
    smb_conn *c = smb_state_new(&lim, sink);
    if (!c)
        return NULL;
    for (int d = 0; d < 2; d++)
        nbss_init(&c->fr[d], c->lim.max_pdu_buffer, on_pdu, c);
    return c;
}

void smb_conn_free(smb_conn *c)
{
    if (!c)
        return;
    nbss_release(&c->fr[0]);
    nbss_release(&c->fr[1]);
    smb_state_free(c);
}

void smb_conn_set_write_hook(smb_conn *c, smb_write_fn fn) { c->write_hook = fn; }

void smb_conn_set_budget(smb_conn *c, size_t *used, size_t cap)
{
    for (int d = 0; d < 2; d++)
        nbss_set_budget(&c->fr[d], used, cap);
    c->mem_used = used;
    c->mem_cap = cap;
}

void smb_conn_set_reclaim(smb_conn *c, smb_reclaim_fn fn, void *ctx)
{
    c->reclaim = fn;
    c->reclaim_ctx = ctx;
}

static void sync_counters(smb_conn *c)
{
    c->st.pdu_memcap_drops = c->fr[0].ctr.memcap_drops + c->fr[1].ctr.memcap_drops;
    c->st.resyncs = c->fr[0].ctr.resyncs + c->fr[1].ctr.resyncs;
    c->st.bytes_skipped = c->fr[0].ctr.bytes_skipped + c->fr[1].ctr.bytes_skipped;
}

void smb_conn_data(smb_conn *c, int dir, const uint8_t *data, size_t len)
{
    if (!c || (dir != 0 && dir != 1) || !data)
        return;
    c->cur_dir = dir;
    nbss_feed(&c->fr[dir], data, len);
    sync_counters(c);
}

void smb_conn_gap(smb_conn *c, int dir, uint64_t len)
{
    if (!c || (dir != 0 && dir != 1))
        return;
    c->st.gaps++;
    nbss_gap(&c->fr[dir], len);
    sync_counters(c);
}

void smb_conn_flush(smb_conn *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n_pending; i++)
        smb_op_unanswered(c, &c->pending[i]);
    c->n_pending = 0;
    smb_rpc_flush(c);
}

size_t smb_conn_footprint(const smb_limits *l)
{
    /* The tables are touched at creation; the name slots only when used, and
     * charged then (smb_state.c). */
    return sizeof(smb_conn) + (size_t)l->max_sessions * sizeof(smb_session) +
           (size_t)l->max_trees * sizeof(smb_tree) + (size_t)l->max_files * sizeof(smb_file) +
           (size_t)l->max_pending * sizeof(smb_pending) + 4096;
}

size_t smb_conn_full_cost(const smb_limits *l)
{
    size_t slots = (size_t)l->max_trees + l->max_files + l->max_pending;
    return smb_conn_footprint(l) + slots * SMB_NAME_SLOT;
}

const smb_conn_stats *smb_conn_get_stats(const smb_conn *c) { return &c->st; }

uint16_t smb_conn_dialect(const smb_conn *c) { return smb_state_dialect(c); }

int smb_probe(const uint8_t *data, size_t len)
{
    if (!data || len < 4)
        return 0;
    if (data[0] == NBSS_SESSION_REQUEST)
        return nbss_check_header(data, len, 1) == 1;
    return nbss_check_header(data, len, 0) == 1;
}
