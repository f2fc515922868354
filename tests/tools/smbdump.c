/* smbdump: reads a capture, joins the TCP payload of each SMB connection in
 * capture order (good enough for well-ordered captures; no real reassembly)
 * and prints the SMB facts the parser gives. A check tool, not the sensor. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/smb_conn.h"

#define MAX_FLOWS 256

typedef struct flow {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    int alen;
    uint32_t next[2];
    int have_next[2];
    smb_conn *c;
    int idx;
} flow;

static flow flows[MAX_FLOWS];
static int nflows;

static const char *kind_name(smb_fact_kind k)
{
    static const char *n[] = {"?",      "NEGOTIATE", "SESSION_SETUP", "TREE_CONNECT",  "TREE_DISCONNECT",
                              "CREATE", "CLOSE",     "LOGOFF",        "SERVICE"};
    return (unsigned)k < 9 ? n[k] : "?";
}

static void on_fact(void *ctx, const smb_fact *fact)
{
    flow *fl = ctx;
    const smb_fact_head *f = &fact->h;
    const smb_fact_tree *t = smb_fact_tree_of(fact);
    const smb_fact_file *file = smb_fact_file_of(fact);
    const char *st = smb_status_name(f->status);
    printf("flow%d %s v%u cmd=0x%x mid=%llu sid=0x%llx tid=0x%x req=%d rsp=%d status=%s(0x%08x)", fl->idx,
           kind_name(f->kind), f->smb_version, f->command, (unsigned long long)f->message_id,
           (unsigned long long)f->session_id, f->tree_id, f->have_request, f->have_response, st ? st : "?",
           f->status);
    if (t && t->share)
        printf(" share='%s'", t->share);
    if (t && t->share_type)
        printf(" type=%d", t->share_type);
    if (file && file->filename)
        printf(" name='%s'", file->filename);
    if (f->kind == SMB_FACT_CREATE)
        printf(" access=0x%x disp=%u action=%u", file->desired_access, file->create_disposition,
               file->create_action);
    if (f->dialect)
        printf(" dialect=%s", smb_dialect_name(f->dialect) ? smb_dialect_name(f->dialect) : "?");
    if (f->who.auth)
        printf(" auth=%d", f->who.auth);
    if (f->who.user)
        printf(" user='%s'", f->who.user);
    if (f->who.domain)
        printf(" domain='%s'", f->who.domain);
    if (f->who.workstation)
        printf(" ws='%s'", f->who.workstation);
    if (f->kind == SMB_FACT_SERVICE) {
        const smb_fact_service *sv = &fact->u.service;
        printf(" op=%s rc=%u svc='%s' bin='%s' stype=0x%x start=%u", sv->operation ? sv->operation : "?",
               sv->return_code, sv->name ? sv->name : "", sv->binary_path ? sv->binary_path : "", sv->service_type,
               sv->start_type);
    }
    printf(" req_dir=%d\n", f->req_dir);
}

static flow *get_flow(const uint8_t *s, const uint8_t *d, int alen, uint16_t sp, uint16_t dp, int *dir)
{
    for (int i = 0; i < nflows; i++) {
        flow *f = &flows[i];
        if (f->alen != alen)
            continue;
        if (!memcmp(f->a, s, alen) && !memcmp(f->b, d, alen) && f->pa == sp && f->pb == dp) {
            *dir = 0;
            return f;
        }
        if (!memcmp(f->a, d, alen) && !memcmp(f->b, s, alen) && f->pa == dp && f->pb == sp) {
            *dir = 1;
            return f;
        }
    }
    if (nflows == MAX_FLOWS)
        return NULL;
    flow *f = &flows[nflows];
    memset(f, 0, sizeof(*f));
    f->idx = nflows++;
    memcpy(f->a, s, alen);
    memcpy(f->b, d, alen);
    f->alen = alen;
    f->pa = sp;
    f->pb = dp;
    smb_limits l;
    smb_limits_default(&l);
    smb_sink sink = {on_fact, f};
    f->c = smb_conn_new(&l, sink);
    *dir = 0;
    return f;
}

static void packet(const uint8_t *p, size_t len, int linktype)
{
    size_t off;
    uint16_t et;
    if (linktype == DLT_EN10MB) {
        if (len < 14)
            return;
        et = (uint16_t)(p[12] << 8 | p[13]);
        off = 14;
        while (et == 0x8100 && len >= off + 4) {
            et = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
            off += 4;
        }
    } else if (linktype == DLT_LINUX_SLL) {
        if (len < 16)
            return;
        et = (uint16_t)(p[14] << 8 | p[15]);
        off = 16;
    } else if (linktype == DLT_NULL) {
        if (len < 4)
            return;
        et = p[0] == 2 ? 0x0800 : 0x86dd;
        off = 4;
    } else if (linktype == DLT_RAW) {
        et = (p[0] >> 4) == 4 ? 0x0800 : 0x86dd;
        off = 0;
    } else {
        return;
    }
    const uint8_t *s, *d;
    int alen;
    size_t l4;
    size_t end = len;
    if (et == 0x0800) {
        if (len < off + 20 || p[off + 9] != 6)
            return;
        size_t ihl = (size_t)(p[off] & 15) * 4;
        size_t tot = (size_t)(p[off + 2] << 8 | p[off + 3]);
        if (off + tot < end)
            end = off + tot;
        s = p + off + 12;
        d = p + off + 16;
        alen = 4;
        l4 = off + ihl;
    } else if (et == 0x86dd) {
        if (len < off + 40 || p[off + 6] != 6)
            return;
        size_t pl = (size_t)(p[off + 4] << 8 | p[off + 5]);
        if (off + 40 + pl < end)
            end = off + 40 + pl;
        s = p + off + 8;
        d = p + off + 24;
        alen = 16;
        l4 = off + 40;
    } else {
        return;
    }
    if (end < l4 + 20)
        return;
    uint16_t sp = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
    uint16_t dp = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
    uint32_t seq =
        (uint32_t)p[l4 + 4] << 24 | (uint32_t)p[l4 + 5] << 16 | (uint32_t)p[l4 + 6] << 8 | p[l4 + 7];
    uint8_t flags = p[l4 + 13];
    size_t thl = (size_t)(p[l4 + 12] >> 4) * 4;
    if (sp != 445 && dp != 445 && sp != 139 && dp != 139)
        return;
    if (end < l4 + thl)
        return;
    int dir;
    flow *f = get_flow(s, d, alen, sp, dp, &dir);
    if (!f || !f->c)
        return;
    const uint8_t *pl = p + l4 + thl;
    size_t n = end - l4 - thl;
    if (flags & 0x02) {
        f->next[dir] = seq + 1;
        f->have_next[dir] = 1;
        return;
    }
    if (n == 0)
        return;
    if (!f->have_next[dir]) {
        f->next[dir] = seq;
        f->have_next[dir] = 1;
    }
    int32_t delta = (int32_t)(seq - f->next[dir]);
    if (delta < 0) {
        if ((size_t)(-delta) >= n)
            return; /* retransmission */
        pl += -delta;
        n -= (size_t)(-delta);
    } else if (delta > 0) {
        smb_conn_gap(f->c, dir, (uint64_t)delta);
    }
    smb_conn_data(f->c, dir, pl, n);
    f->next[dir] = seq + (uint32_t)(end - l4 - thl);
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: smbdump file.pcap\n");
        return 2;
    }
    pcap_t *pc = pcap_open_offline(argv[1], err);
    if (!pc) {
        fprintf(stderr, "smbdump: %s: %s\n", argv[1], err);
        return 1;
    }
    int lt = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1)
        packet(data, h->caplen, lt);
    pcap_close(pc);
    for (int i = 0; i < nflows; i++) {
        smb_conn_flush(flows[i].c);
        const smb_conn_stats *st = smb_conn_get_stats(flows[i].c);
        printf("flow%d stats: pdus=%llu/%llu smb1=%llu smb2=%llu enc=%llu comp=%llu gaps=%llu resyncs=%llu "
               "skipped=%llu malformed=%llu orphans=%llu drops=%llu facts=%llu rpc_calls=%llu rpc_answered=%llu rpc_broken=%llu "
               "rpc_sealed=%llu dialect=%s\n",
               i, (unsigned long long)st->pdus[0], (unsigned long long)st->pdus[1],
               (unsigned long long)st->smb1_msgs, (unsigned long long)st->smb2_msgs,
               (unsigned long long)st->encrypted_msgs, (unsigned long long)st->compressed_msgs,
               (unsigned long long)st->gaps, (unsigned long long)st->resyncs,
               (unsigned long long)st->bytes_skipped, (unsigned long long)st->malformed,
               (unsigned long long)st->orphan_responses, (unsigned long long)st->limit_drops,
               (unsigned long long)st->facts, (unsigned long long)st->rpc_calls,
               (unsigned long long)st->rpc_answered_calls,
               (unsigned long long)st->rpc_broken_calls, (unsigned long long)st->rpc_encrypted_calls,
               smb_conn_dialect(flows[i].c) ? smb_dialect_name(smb_conn_dialect(flows[i].c)) : "-");
        smb_conn_free(flows[i].c);
    }
    return 0;
}
