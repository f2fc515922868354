#include "smb_state.h"

#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "kerberos.h"

smb_conn *smb_state_new(const smb_limits *l, smb_sink sink)
{
    smb_limits lim = *l;
    if (lim.max_sessions == 0)
        lim.max_sessions = 1;
    if (lim.max_trees == 0)
        lim.max_trees = 1;
    if (lim.max_files == 0)
        lim.max_files = 1;
    if (lim.max_pending == 0)
        lim.max_pending = 1;
    size_t off_s = sizeof(smb_conn);
    off_s = (off_s + 15) & ~(size_t)15;
    size_t off_t = off_s + (size_t)lim.max_sessions * sizeof(smb_session);
    off_t = (off_t + 15) & ~(size_t)15;
    size_t off_f = off_t + (size_t)lim.max_trees * sizeof(smb_tree);
    off_f = (off_f + 15) & ~(size_t)15;
    size_t off_p = off_f + (size_t)lim.max_files * sizeof(smb_file);
    off_p = (off_p + 15) & ~(size_t)15;
    size_t off_n = off_p + (size_t)lim.max_pending * sizeof(smb_pending);
    size_t n_names = (size_t)lim.max_trees + lim.max_files + lim.max_pending;
    size_t total = off_n + n_names * SMB_NAME_SLOT;
    /* Mapped, not taken from the heap: pages of name slots never written stay
     * unbacked (the footprint counts the tables only), and a freed connection
     * goes back to the system instead of leaving heap that the next one would
     * have to zero whole. */
    void *map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    uint8_t *mem = map;
    smb_conn *c = (smb_conn *)mem;
    c->map_len = total;
    c->lim = lim;
    c->sink = sink;
    c->req_dir = -1;
    c->sessions = (smb_session *)(mem + off_s);
    c->trees = (smb_tree *)(mem + off_t);
    c->files = (smb_file *)(mem + off_f);
    c->pending = (smb_pending *)(mem + off_p);
    char *names = (char *)(mem + off_n);
    for (uint32_t i = 0; i < lim.max_trees; i++, names += SMB_NAME_SLOT)
        c->trees[i].share = names;
    for (uint32_t i = 0; i < lim.max_files; i++, names += SMB_NAME_SLOT)
        c->files[i].name = names;
    for (uint32_t i = 0; i < lim.max_pending; i++, names += SMB_NAME_SLOT)
        c->pending[i].name = names;
    return c;
}

void smb_state_free(smb_conn *c)
{
    for (uint32_t i = 0; i < c->lim.max_files; i++)
        dcerpc_free(c->files[i].rpc);
    if (c->mem_used)
        *c->mem_used -= c->slot_mem;
    munmap(c, c->map_len);
}

static bool budget_fits(const smb_conn *c, size_t n)
{
    return n <= c->mem_cap && *c->mem_used <= c->mem_cap - n;
}

bool smb_state_charge(smb_conn *c, size_t n)
{
    if (!c->mem_used)
        return true;
    if (!budget_fits(c, n) && c->reclaim)
        c->reclaim(c->reclaim_ctx, n);
    if (!budget_fits(c, n))
        return false;
    *c->mem_used += n;
    return true;
}

/* Slot index of a table is about to be written: the slots up to it are
 * charged unless they were before. False (counted as a limit drop) when the
 * budget cannot hold them. */
static bool slot_take(smb_conn *c, uint32_t *hwm, uint32_t index)
{
    if (index < *hwm)
        return true;
    size_t n = (size_t)(index + 1 - *hwm) * SMB_NAME_SLOT;
    if (!smb_state_charge(c, n)) {
        c->st.limit_drops++;
        return false;
    }
    if (c->mem_used)
        c->slot_mem += n;
    *hwm = index + 1;
    return true;
}

/* ---- tables ---------------------------------------------------------- */

smb_session *smb_session_get(smb_conn *c, uint64_t id, bool create)
{
    smb_session *free_slot = NULL;
    for (uint32_t i = 0; i < c->lim.max_sessions; i++) {
        smb_session *s = &c->sessions[i];
        if (s->used && s->id == id)
            return s;
        if (!s->used && !free_slot)
            free_slot = s;
    }
    if (!create)
        return NULL;
    if (!free_slot) {
        c->st.limit_drops++;
        return NULL;
    }
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = true;
    free_slot->id = id;
    return free_slot;
}

smb_tree *smb_tree_get(smb_conn *c, uint64_t sid, uint32_t tid, bool create)
{
    smb_tree *free_slot = NULL;
    for (uint32_t i = 0; i < c->lim.max_trees; i++) {
        smb_tree *t = &c->trees[i];
        if (t->used && t->session_id == sid && t->tree_id == tid)
            return t;
        if (!t->used && !free_slot)
            free_slot = t;
    }
    if (!create) {
        /* a tree id is unique per session; midstream we may not know the
         * session the tree was made in, so accept a lone match on the id */
        smb_tree *only = NULL;
        for (uint32_t i = 0; i < c->lim.max_trees; i++) {
            smb_tree *t = &c->trees[i];
            if (t->used && t->tree_id == tid) {
                if (only)
                    return NULL;
                only = t;
            }
        }
        return only;
    }
    if (!free_slot) {
        c->st.limit_drops++;
        return NULL;
    }
    if (!slot_take(c, &c->hwm_trees, (uint32_t)(free_slot - c->trees)))
        return NULL;
    char *share = free_slot->share;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->share = share;
    share[0] = '\0';
    free_slot->used = true;
    free_slot->session_id = sid;
    free_slot->tree_id = tid;
    return free_slot;
}

void smb_tree_del(smb_conn *c, smb_tree *t)
{
    (void)c;
    if (t)
        t->used = false;
}

void smb_tree_infer(smb_conn *c, uint8_t version, uint64_t sid, uint32_t tid)
{
    if (tid == 0 || smb_tree_get(c, sid, tid, false))
        return;
    uint16_t tc = version == 2 ? 0x0003 : 0x75;
    smb_pending *only = NULL;
    for (uint32_t i = 0; i < c->n_pending; i++) {
        smb_pending *p = &c->pending[i];
        if (p->version != version || p->command != tc || p->session_id != sid || p->aux)
            continue;
        if (only)
            return; /* two candidates: no guess */
        only = p;
    }
    if (!only || !only->have_name)
        return;
    smb_tree *t = smb_tree_get(c, sid, tid, true);
    if (!t)
        return;
    only->aux = 1;
    t->have_name = true;
    memcpy(t->share, only->name, strlen(only->name) + 1);
    t->type = smb_share_settle(t->share, SMB_SHARE_UNKNOWN);
}

smb_file *smb_file_infer(smb_conn *c, uint8_t version, uint64_t sid, uint32_t tid, const uint8_t fid[16])
{
    smb_file *known = smb_file_get(c, fid, false);
    if (known)
        return known;
    uint16_t cr = version == 2 ? 0x0005 : 0xa2;
    smb_pending *only = NULL;
    for (uint32_t i = 0; i < c->n_pending; i++) {
        smb_pending *p = &c->pending[i];
        if (p->version != version || p->command != cr || p->session_id != sid || p->tree_id != tid || p->aux)
            continue;
        if (only)
            return NULL; /* two candidates: no guess */
        only = p;
    }
    if (!only || !only->have_name)
        return NULL;
    smb_file *f = smb_file_get(c, fid, true);
    if (!f)
        return NULL;
    only->aux = 1;
    f->session_id = sid;
    f->tree_id = tid;
    memcpy(f->name, only->name, strlen(only->name) + 1);
    return f;
}

smb_file *smb_file_get(smb_conn *c, const uint8_t fid[16], bool create)
{
    smb_file *free_slot = NULL;
    for (uint32_t i = 0; i < c->lim.max_files; i++) {
        smb_file *f = &c->files[i];
        if (f->used && memcmp(f->fid, fid, 16) == 0)
            return f;
        if (!f->used && !free_slot)
            free_slot = f;
    }
    if (!create)
        return NULL;
    if (!free_slot) {
        c->st.limit_drops++;
        return NULL;
    }
    if (!slot_take(c, &c->hwm_files, (uint32_t)(free_slot - c->files)))
        return NULL;
    char *name = free_slot->name;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->name = name;
    name[0] = '\0';
    free_slot->used = true;
    memcpy(free_slot->fid, fid, 16);
    return free_slot;
}

void smb_file_del(smb_conn *c, smb_file *f)
{
    (void)c;
    if (!f)
        return;
    dcerpc_free(f->rpc);
    f->rpc = NULL;
    f->used = false;
}

smb_pending *smb_pending_add(smb_conn *c, uint8_t version, uint16_t cmd, uint64_t mid, uint32_t pid)
{
    smb_pending *p = smb_pending_find(c, version, mid, pid);
    if (!p) {
        if (c->n_pending >= c->lim.max_pending) {
            c->st.limit_drops++;
            return NULL;
        }
        if (!slot_take(c, &c->hwm_pending, c->n_pending))
            return NULL;
        p = &c->pending[c->n_pending++];
    }
    memset(p, 0, offsetof(smb_pending, name));
    p->name[0] = '\0';
    p->version = version;
    p->command = cmd;
    p->message_id = mid;
    p->pid = pid;
    return p;
}

smb_pending *smb_pending_find(smb_conn *c, uint8_t version, uint64_t mid, uint32_t pid)
{
    for (uint32_t i = 0; i < c->n_pending; i++) {
        smb_pending *p = &c->pending[i];
        if (p->version == version && p->message_id == mid && p->pid == pid)
            return p;
    }
    return NULL;
}

void smb_pending_del(smb_conn *c, smb_pending *p)
{
    size_t i = (size_t)(p - c->pending);
    if (i >= c->n_pending)
        return;
    c->n_pending--;
    if (i != c->n_pending) {
        /* move the last entry here, keeping each entry's own name slot */
        smb_pending *last = &c->pending[c->n_pending];
        char *name = p->name;
        memcpy(name, last->name, strlen(last->name) + 1);
        *p = *last;
        p->name = name;
    }
}

/* ---- facts ----------------------------------------------------------- */

void smb_note_direction(smb_conn *c, bool is_response)
{
    c->req_dir = is_response ? 1 - c->cur_dir : c->cur_dir;
}

uint16_t smb_state_dialect(const smb_conn *c)
{
    if (c->dialect)
        return c->dialect;
    if (c->st.smb1_msgs && !c->st.smb2_msgs)
        return 0x0001;
    return 0;
}

void smb_fact_init(const smb_conn *c, smb_fact *f, smb_fact_kind kind, uint8_t version, uint16_t cmd)
{
    memset(f, 0, sizeof(*f));
    f->h.kind = kind;
    f->h.smb_version = version;
    f->h.command = cmd;
    f->h.dialect = smb_state_dialect(c);
    f->h.req_dir = c->req_dir;
    smb_server_names_of(&c->server, &f->h.server);
}

void smb_server_learn(smb_conn *c, const ntlmssp_info *ni) { ntlm_target_learn(&c->server, ni); }

void smb_stage_kerberos(smb_conn *c, const uint8_t *blob, size_t len)
{
    krb_ticket_ref ref;
    c->stage.krb_ticket = krb_find_ap_req(blob, len, &ref) ? ref.id : 0;
}

void smb_server_from_blob(smb_conn *c, const uint8_t *blob, size_t len)
{
    ntlmssp_info ni;
    if (ntlmssp_parse_blob(blob, len, &ni) == NTLMSSP_CHALLENGE)
        smb_server_learn(c, &ni);
}

smb_fact_tree *smb_fact_tree_mut(smb_fact *f) { return (smb_fact_tree *)smb_fact_tree_of(f); }

bool smb_session_take_stage(smb_conn *c, smb_session *s, uint8_t version, uint64_t message_id)
{
    if (!c->stage.used || c->stage.version != version || c->stage.message_id != message_id)
        return false;
    if (s) {
        s->auth = c->stage.auth;
        s->krb_ticket = c->stage.auth == SMB_AUTH_KERBEROS ? c->stage.krb_ticket : 0;
        memcpy(s->user, c->stage.ntlm.user, sizeof(s->user));
        memcpy(s->domain, c->stage.ntlm.domain, sizeof(s->domain));
        memcpy(s->workstation, c->stage.ntlm.workstation, sizeof(s->workstation));
    }
    c->stage.used = false;
    return true;
}

void smb_fact_create_request(smb_fact_file *f, const smb_pending *p)
{
    f->filename = p->have_name ? p->name : NULL;
    f->desired_access = p->desired_access;
    f->share_access = p->share_access;
    f->file_attributes = p->file_attributes;
    f->create_disposition = p->create_disposition;
    f->create_options = p->create_options;
}

bool smb_share_is_ipc(const char *share)
{
    if (!share)
        return false;
    size_t n = strlen(share);
    return n >= 4 && strcasecmp(share + n - 4, "IPC$") == 0;
}

bool smb_share_is_admin(const char *share)
{
    size_t n = share ? strlen(share) : 0;
    return n >= 2 && share[n - 1] == '$' && !smb_share_is_ipc(share);
}

smb_share_type smb_share_settle(const char *share, smb_share_type type)
{
    if (type == SMB_SHARE_UNKNOWN && smb_share_is_ipc(share))
        return SMB_SHARE_PIPE;
    return type;
}

void smb_fact_set_tree(smb_fact_tree *t, const char *share, smb_share_type type)
{
    t->share = share;
    t->share_type = smb_share_settle(share, type);
}

void smb_tree_connected(smb_conn *c, uint64_t sid, uint32_t tid, const smb_fact_tree *ft)
{
    smb_tree *t = smb_tree_get(c, sid, tid, true);
    if (t) {
        t->type = smb_share_settle(ft->share, ft->share_type);
        t->have_name = ft->share != NULL;
        if (ft->share)
            memcpy(t->share, ft->share, strlen(ft->share) + 1);
    }
}

void smb_fact_who(smb_conn *c, smb_fact *f)
{
    const smb_session *s = smb_session_get(c, f->h.session_id, false);
    if (s) {
        smb_fact_identity(f, s->auth, s->user, s->domain, s->workstation);
        f->h.who.krb_ticket = s->auth == SMB_AUTH_KERBEROS ? s->krb_ticket : 0;
    }
}

void smb_fact_resolve(smb_conn *c, smb_fact *f)
{
    smb_fact_tree *ft = smb_fact_tree_mut(f);
    if (ft) {
        const smb_tree *t = smb_tree_get(c, f->h.session_id, f->h.tree_id, false);
        if (t)
            smb_fact_set_tree(ft, t->have_name ? t->share : NULL, t->type);
        else
            smb_fact_set_tree(ft, ft->share, ft->share_type);
    }
    smb_fact_who(c, f);
}

void smb_emit(smb_conn *c, const smb_fact *f)
{
    c->st.facts++;
    if (c->sink.fact)
        c->sink.fact(c->sink.ctx, f);
}
