#include "incident.h"

#include "../protocols/smb_facts.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct held {
    struct held *next;
    uint64_t off;
    size_t len;
    uint8_t data[];
} held;

typedef struct slot {
    bool used;
    incident in;
} slot;

/* Where an open slot is filed by client and server (beside the slots, whose
 * size sets how many fit in the memcap). */
typedef struct slot_link {
    uint32_t hash; /* of client and server, while used */
    uint32_t next; /* next slot of the same bucket, as index + 1; 0: none */
} slot_link;

struct incident_stage {
    pthread_mutex_t lock;
    incident_limits lim;
    incident_sink sink;
    slot *slots;
    uint32_t max_open, nopen;
    /* A free slot is taken lowest first, so the slots from this one on have
     * never been used: loops over the table stop here, and the pages of the
     * calloc'd slots past it are never touched. */
    uint32_t hwm;
    /* Open incidents by client and server: bucket heads (slot index + 1),
     * so an observation finds its incident without a scan of the table. */
    uint32_t *heads;
    uint32_t head_mask;
    slot_link *links; /* by slot */
    /* No open incident was last seen before this: until now passes it by
     * the gap, nothing can close, and the table is not scanned. */
    uint64_t low_last;
    size_t held_budget, held_used;
    uint64_t next_id;
    incident_stats st;
};

void incident_limits_default(incident_limits *l)
{
    l->memcap = 16u << 20;
    l->gap_usec = 600ull * 1000000;
}

incident_stage *incident_new(const incident_limits *l, incident_sink sink)
{
    incident_stage *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (l)
        s->lim = *l;
    else
        incident_limits_default(&s->lim);
    /* three quarters for the table, the rest for write bytes held out of order */
    size_t n = s->lim.memcap / 4 * 3 / sizeof(slot);
    s->max_open = n == 0 ? 1 : n > 1000000 ? 1000000 : (uint32_t)n;
    s->held_budget = s->lim.memcap / 4;
    s->slots = calloc(s->max_open, sizeof(slot));
    uint32_t nheads = 1;
    while (nheads < s->max_open)
        nheads <<= 1;
    s->heads = calloc(nheads, sizeof(uint32_t));
    s->links = calloc(s->max_open, sizeof(slot_link));
    if (!s->slots || !s->heads || !s->links) {
        free(s->slots);
        free(s->heads);
        free(s->links);
        free(s);
        return NULL;
    }
    s->head_mask = nheads - 1;
    s->low_last = UINT64_MAX;
    pthread_mutex_init(&s->lock, NULL);
    s->sink = sink;
    s->st.max_open = s->max_open;
    return s;
}

static void drop_held(incident_stage *s, incident_file *f)
{
    while (f->held) {
        held *h = f->held;
        f->held = h->next;
        s->held_used -= sizeof(held) + h->len;
        free(h);
    }
    f->held_bytes = 0;
}

void incident_free(incident_stage *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->hwm; i++)
        for (uint32_t k = 0; k < s->slots[i].in.nfiles; k++)
            drop_held(s, &s->slots[i].in.files[k]);
    pthread_mutex_destroy(&s->lock);
    free(s->slots);
    free(s->heads);
    free(s->links);
    free(s);
}

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

static uint32_t pair_hash(const char *client, const char *server)
{
    uint32_t h = 2166136261u;
    for (const char *p = client; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '|') * 16777619u;
    for (const char *p = server; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

static void unlink_slot(incident_stage *s, const slot *sl)
{
    uint32_t idx = (uint32_t)(sl - s->slots);
    slot_link *l = &s->links[idx];
    for (uint32_t *pp = &s->heads[l->hash & s->head_mask]; *pp; pp = &s->links[*pp - 1].next)
        if (*pp == idx + 1) {
            *pp = l->next;
            break;
        }
    l->next = 0;
}

static void close_slot(incident_stage *s, slot *sl)
{
    incident *in = &sl->in;
    for (uint32_t k = 0; k < in->nfiles; k++) {
        if (in->files[k].held)
            in->files[k].partial = true; /* a gap before them never filled */
        drop_held(s, &in->files[k]);
    }
    incident_attribute(in);
    /* The reported id is made of what the run is, not of the order in which
     * workers happened to open incidents: the same capture gives the same ids
     * with any number of workers. 53 bits, so JSON readers keep it whole. */
    char key[INCIDENT_ADDR_MAX * 2 + 24];
    snprintf(key, sizeof(key), "%s|%s|%llu", in->client_ip, in->server_ip, (unsigned long long)in->first_usec);
    uint64_t h = 1469598103934665603ull;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    in->id = (h & ((1ull << 53) - 1)) | 1;
    if (in->tool) {
        s->st.reported++;
        if (s->sink.incident)
            s->sink.incident(s->sink.ctx, in);
    } else {
        s->st.dropped++;
    }
    unlink_slot(s, sl);
    sl->used = false;
    s->nopen--;
}

/* Closes the open incidents, oldest first, whose last observation is more
 * than the gap before now. */
static void close_quiet(incident_stage *s, uint64_t now)
{
    /* every open incident was last seen at low_last or later: none is quiet yet */
    if (s->low_last == UINT64_MAX || now <= s->low_last || now - s->low_last <= s->lim.gap_usec)
        return;
    for (;;) {
        slot *oldest = NULL;
        uint64_t low = UINT64_MAX;
        for (uint32_t i = 0; i < s->hwm; i++) {
            slot *sl = &s->slots[i];
            if (!sl->used)
                continue;
            if (now > sl->in.last_usec && now - sl->in.last_usec > s->lim.gap_usec) {
                if (!oldest || sl->in.id < oldest->in.id)
                    oldest = sl;
            } else if (sl->in.last_usec < low) {
                low = sl->in.last_usec;
            }
        }
        if (!oldest) {
            s->low_last = low;
            return;
        }
        close_slot(s, oldest);
    }
}

static slot *find(incident_stage *s, const char *client, const char *server)
{
    uint32_t h = pair_hash(client, server);
    for (uint32_t i = s->heads[h & s->head_mask]; i; i = s->links[i - 1].next) {
        slot *sl = &s->slots[i - 1];
        if (s->links[i - 1].hash == h && strcmp(sl->in.client_ip, client) == 0 && strcmp(sl->in.server_ip, server) == 0)
            return sl;
    }
    return NULL;
}

static slot *open_slot(incident_stage *s, const char *client, const char *server, uint64_t ts)
{
    slot *free_slot = NULL, *stalest = NULL;
    for (uint32_t i = 0; i < s->max_open && !free_slot; i++) {
        slot *sl = &s->slots[i];
        if (!sl->used)
            free_slot = sl;
        else if (!stalest || sl->in.last_usec < stalest->in.last_usec)
            stalest = sl;
    }
    if (!free_slot) {
        s->st.evicted++;
        stalest->in.evicted = true;
        close_slot(s, stalest);
        free_slot = stalest;
    }
    memset(&free_slot->in, 0, sizeof free_slot->in);
    free_slot->used = true;
    if ((uint32_t)(free_slot - s->slots) >= s->hwm)
        s->hwm = (uint32_t)(free_slot - s->slots) + 1;
    s->nopen++;
    if (s->nopen > s->st.open_peak)
        s->st.open_peak = s->nopen;
    incident *in = &free_slot->in;
    in->id = ++s->next_id;
    copy(in->client_ip, sizeof in->client_ip, client);
    copy(in->server_ip, sizeof in->server_ip, server);
    in->first_usec = in->last_usec = ts;
    in->no_session_setup = true;
    slot_link *l = &s->links[free_slot - s->slots];
    l->hash = pair_hash(in->client_ip, in->server_ip);
    uint32_t *head = &s->heads[l->hash & s->head_mask];
    l->next = *head;
    *head = (uint32_t)(free_slot - s->slots) + 1;
    if (ts < s->low_last)
        s->low_last = ts;
    s->st.opened++;
    return free_slot;
}

static void count_id(incident *in, uint16_t id)
{
    for (uint32_t i = 0; i < in->nids; i++) {
        if (in->ids[i].event_id == id) {
            in->ids[i].count++;
            return;
        }
    }
    if (in->nids == INCIDENT_MAX_IDS) {
        in->ids_dropped++;
        return;
    }
    in->ids[in->nids].event_id = id;
    in->ids[in->nids].count = 1;
    in->nids++;
}

static void count_flow(incident *in, uint64_t flow_id)
{
    if (!flow_id)
        return;
    for (uint32_t i = 0; i < in->nflows; i++) {
        if (in->flows[i] == flow_id)
            return;
    }
    if (in->nflows == INCIDENT_MAX_FLOWS)
        in->flows_more++; /* may count a flow twice once the list is full */
    else
        in->flows[in->nflows++] = flow_id;
}

/* Adds s to a list of names (case-insensitive, once each). */
static void add_name(char (*list)[INCIDENT_NAME_MAX], uint32_t *n, uint32_t max, uint32_t *more, const char *s)
{
    if (!s || !*s)
        return;
    for (uint32_t i = 0; i < *n; i++)
        if (strcasecmp(list[i], s) == 0)
            return;
    if (*n == max) {
        if (more)
            (*more)++;
        return;
    }
    copy(list[(*n)++], INCIDENT_NAME_MAX, s);
}

static void add_command(incident *in, const char *cmd)
{
    if (!cmd || !*cmd)
        return;
    for (uint32_t i = 0; i < in->ncommands; i++)
        if (strcmp(in->commands[i], cmd) == 0)
            return;
    if (in->ncommands < INCIDENT_MAX_COMMANDS)
        copy(in->commands[in->ncommands++], INCIDENT_TEXT_MAX, cmd);
}

/* The last component of a share path: `\\SRV\ADMIN$` -> `ADMIN$`. */
static const char *share_base(const char *share)
{
    if (!share)
        return "";
    const char *b = strrchr(share, '\\');
    return b ? b + 1 : share;
}

static bool is_ipc(const char *share) { return strcasecmp(share_base(share), "IPC$") == 0; }

static bool is_admin(const char *share)
{
    const char *b = share_base(share);
    size_t n = strlen(b);
    return n >= 2 && b[n - 1] == '$' && !is_ipc(share);
}

/* A pipe name as Windows logs it: without a leading backslash. */
static const char *pipe_name(const char *name)
{
    while (name && *name == '\\')
        name++;
    return name;
}

static incident_file *file_of(incident *in, const char *share, const char *name, const uint8_t *fid)
{
    for (uint32_t i = 0; i < in->nfiles; i++) {
        incident_file *f = &in->files[i];
        if (fid && memcmp(f->file_id, fid, 16) == 0)
            return f;
    }
    /* the same file opened again (a new file id): one entry */
    for (uint32_t i = 0; name && *name && i < in->nfiles; i++) {
        incident_file *f = &in->files[i];
        if (strcasecmp(f->name, name) == 0 && strcasecmp(share_base(f->share), share_base(share)) == 0) {
            if (fid)
                memcpy(f->file_id, fid, 16);
            return f;
        }
    }
    if (in->nfiles == INCIDENT_MAX_FILES) {
        in->files_more++;
        return NULL;
    }
    incident_file *f = &in->files[in->nfiles++];
    memset(f, 0, sizeof(*f));
    copy(f->share, sizeof f->share, share);
    copy(f->name, sizeof f->name, name);
    if (fid)
        memcpy(f->file_id, fid, 16);
    sha256_init(&f->sha);
    return f;
}

/* A file of an admin share opened without asking to write: listed apart,
 * unless it is one of the files written. */
static void file_read(incident *in, const char *share, const char *name)
{
    for (uint32_t i = 0; i < in->nfiles; i++)
        if (strcasecmp(in->files[i].name, name) == 0 && strcasecmp(share_base(in->files[i].share), share_base(share)) == 0)
            return;
    for (uint32_t i = 0; i < in->nfiles_read; i++)
        if (strcasecmp(in->files_read[i].name, name) == 0 &&
            strcasecmp(share_base(in->files_read[i].share), share_base(share)) == 0)
            return;
    if (in->nfiles_read == INCIDENT_MAX_FILES) {
        in->files_read_more++;
        return;
    }
    incident_file_read *r = &in->files_read[in->nfiles_read++];
    copy(r->share, sizeof r->share, share);
    copy(r->name, sizeof r->name, name);
}

/* Hashes the held writes that now follow on. */
static void drain(incident_stage *s, incident_file *f)
{
    while (f->held && f->held->off <= f->hashed) {
        held *h = f->held;
        f->held = h->next;
        uint64_t skip = f->hashed - h->off;
        if (skip < h->len) {
            sha256_update(&f->sha, h->data + skip, h->len - (size_t)skip);
            f->hashed = h->off + h->len;
        }
        f->held_bytes -= h->len;
        s->held_used -= sizeof(held) + h->len;
        free(h);
    }
}

static void file_write(incident_stage *s, incident_file *f, uint64_t off, const uint8_t *data, size_t len,
                       size_t missing)
{
    uint64_t end = off + len + missing;
    if (end > f->size)
        f->size = end;
    f->written += len;
    if (f->partial)
        return; /* the hash stopped at a hole; sizes still count */
    if (off == f->hashed) {
        sha256_update(&f->sha, data, len);
        f->hashed += len;
        if (missing) {
            f->partial = true;
            drop_held(s, f);
            return;
        }
        drain(s, f);
        return;
    }
    if (off < f->hashed) {
        /* written again over what is hashed: the file differs from the hash */
        f->partial = true;
        drop_held(s, f);
        return;
    }
    /* ahead of the hash: hold it, in offset order, within the budgets */
    if (missing || f->held_bytes + len > INCIDENT_HOLD_MAX || s->held_used + sizeof(held) + len > s->held_budget) {
        s->st.held_bytes_dropped += len;
        f->partial = true;
        drop_held(s, f);
        return;
    }
    held *h = malloc(sizeof(held) + len);
    if (!h) {
        f->partial = true;
        drop_held(s, f);
        return;
    }
    h->off = off;
    h->len = len;
    memcpy(h->data, data, len);
    held **pp = &f->held;
    while (*pp && (*pp)->off < off)
        pp = &(*pp)->next;
    h->next = *pp;
    *pp = h;
    f->held_bytes += len;
    s->held_used += sizeof(held) + len;
}

static void note_service(incident *in, const incident_obs *o)
{
    if (o->encrypted) {
        in->svcctl_sealed = true;
        in->svcctl_sealed_tcp |= o->over_tcp;
        const char *op = o->operation ? o->operation : "";
        uint8_t *n = strncmp(op, "RCreateService", 14) == 0  ? &in->sealed_creates
                     : strncmp(op, "RStartService", 13) == 0 ? &in->sealed_starts
                     : strcmp(op, "RDeleteService") == 0     ? &in->sealed_deletes
                                                             : NULL;
        if (n && *n < UINT8_MAX)
            (*n)++;
        return;
    }
    if (!o->name || !*o->name)
        return;
    incident_service *sv = NULL;
    for (uint32_t i = 0; i < in->nservices && !sv; i++)
        if (strcasecmp(in->services[i].name, o->name) == 0)
            sv = &in->services[i];
    if (!sv) {
        if (in->nservices == INCIDENT_MAX_SERVICES)
            return;
        sv = &in->services[in->nservices++];
        memset(sv, 0, sizeof(*sv));
        copy(sv->name, sizeof sv->name, o->name);
    }
    if (o->binary_path && *o->binary_path && !sv->binary_path[0])
        copy(sv->binary_path, sizeof sv->binary_path, o->binary_path);
    /* smbexec creates the same service again for each command: keep them all */
    char cmd[INCIDENT_TEXT_MAX];
    if (o->binary_path && incident_smbexec_command(o->binary_path, cmd, sizeof(cmd)))
        add_command(in, cmd);
    /* a create is "created" only when its response succeeded; a refused one
     * (1073 ERROR_SERVICE_EXISTS ...) is an attempt */
    if (o->operation && strstr(o->operation, "CreateService")) {
        sv->create_sent = true;
        if (o->success)
            sv->created = true;
        else if ((o->have_return || o->fault) && !sv->create_refused) {
            sv->create_refused = true;
            sv->create_fault = o->fault;
            sv->create_status = o->return_code;
        }
    }
    if (o->operation && strstr(o->operation, "StartService") && o->success)
        sv->started = true;
    if (o->operation && !strstr(sv->operations, o->operation)) {
        size_t l = strlen(sv->operations);
        snprintf(sv->operations + l, sizeof sv->operations - l, "%s%s", l ? "," : "", o->operation);
    }
}

/* A sealed task scheduler call: its operation (the opnum is in clear), never
 * a task name or command. */
static void note_sealed_task(incident *in, const incident_obs *o)
{
    in->tasks_sealed = true;
    in->tasks_sealed_tcp |= o->over_tcp;
    const char *op = o->operation ? o->operation : "";
    if (strncmp(op, "Netr", 4) == 0)
        in->tasks_sealed_atsvc = true;
    if (*op && !strstr(in->sealed_task_ops, op)) {
        size_t l = strlen(in->sealed_task_ops);
        snprintf(in->sealed_task_ops + l, sizeof in->sealed_task_ops - l, "%s%s", l ? "," : "", op);
    }
}

static void observe_locked(incident_stage *s, const incident_obs *o)
{
    s->st.observations++;
    close_quiet(s, o->ts_usec);
    const char *client = o->client_ip ? o->client_ip : "";
    const char *server = o->server_ip ? o->server_ip : "";
    slot *sl = find(s, client, server);
    if (!sl)
        sl = open_slot(s, client, server, o->ts_usec);
    incident *in = &sl->in;
    in->observations++;
    if (o->ts_usec > in->last_usec)
        in->last_usec = o->ts_usec;
    if (o->ts_usec && o->ts_usec < in->first_usec)
        in->first_usec = o->ts_usec;
    count_flow(in, o->flow_id);
    if (!in->server_port && o->server_port) {
        in->client_port = o->client_port;
        in->server_port = o->server_port;
    }
    if (o->user && *o->user && !in->user[0]) {
        copy(in->user, sizeof in->user, o->user);
        copy(in->domain, sizeof in->domain, o->domain);
    }
    if (o->workstation && *o->workstation && !in->workstation[0])
        copy(in->workstation, sizeof in->workstation, o->workstation);
    switch (o->kind) {
    case IO_EVENT:
        in->events++;
        count_id(in, o->event_id);
        break;
    case IO_SESSION: in->no_session_setup = false; break;
    case IO_TREE: add_name(in->shares, &in->nshares, INCIDENT_MAX_SHARES, NULL, o->share); break;
    case IO_CREATE:
        if (o->share && !in->nshares)
            add_name(in->shares, &in->nshares, INCIDENT_MAX_SHARES, NULL, o->share);
        if (is_ipc(o->share))
            add_name(in->pipes, &in->npipes, INCIDENT_MAX_PIPES, &in->pipes_more, pipe_name(o->name));
        else if (is_admin(o->share) && o->name && *o->name) {
            if (o->write_intent)
                (void)file_of(in, o->share, o->name, o->file_id);
            else
                file_read(in, o->share, o->name);
        }
        break;
    case IO_SERVICE: note_service(in, o); break;
    case IO_TASK:
        if (o->encrypted) {
            note_sealed_task(in, o);
            break;
        }
        if (in->ntasks < INCIDENT_MAX_TASKS) {
            copy(in->tasks[in->ntasks].name, INCIDENT_NAME_MAX, o->name);
            copy(in->tasks[in->ntasks].command, INCIDENT_TEXT_MAX, o->command);
            in->tasks[in->ntasks].at_job = o->operation && strcmp(o->operation, "NetrJobAdd") == 0;
            in->ntasks++;
        }
        add_command(in, o->command);
        break;
    case IO_WRITE: {
        incident_file *f = file_of(in, o->share, o->name, o->file_id);
        if (f && !f->name[0])
            copy(f->name, sizeof f->name, o->name);
        if (f)
            file_write(s, f, o->offset, o->data, o->len, o->missing);
        break;
    }
    case IO_ALERT: {
        in->alerts_total++;
        uint32_t i = 0;
        while (i < in->nalerts && in->alerts[i].signature_id != o->signature_id)
            i++;
        if (i < in->nalerts)
            in->alerts[i].count++;
        else if (in->nalerts < INCIDENT_MAX_ALERTS) {
            in->alerts[i].signature_id = o->signature_id;
            copy(in->alerts[i].signature, INCIDENT_NAME_MAX, o->signature);
            in->alerts[i].count = 1;
            in->nalerts++;
        }
        break;
    }
    default: break;
    }
}

void incident_observe(incident_stage *s, const incident_obs *o)
{
    if (!s || !o)
        return;
    pthread_mutex_lock(&s->lock);
    observe_locked(s, o);
    pthread_mutex_unlock(&s->lock);
}

void incident_event(incident_stage *s, const incident_input *in)
{
    if (!s || !in || !in->event)
        return;
    incident_obs o;
    memset(&o, 0, sizeof(o));
    o.kind = IO_EVENT;
    o.client_ip = in->client_ip;
    o.server_ip = in->server_ip;
    o.flow_id = in->flow_id;
    o.ts_usec = in->ts_usec;
    o.event_id = in->event->event_id;
    incident_observe(s, &o);
}

void incident_tick(incident_stage *s, uint64_t now_usec)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    close_quiet(s, now_usec);
    pthread_mutex_unlock(&s->lock);
}

void incident_flush(incident_stage *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    close_quiet(s, UINT64_MAX);
    pthread_mutex_unlock(&s->lock);
}

incident_stats incident_get_stats(incident_stage *s)
{
    pthread_mutex_lock(&s->lock);
    incident_stats st = s->st;
    pthread_mutex_unlock(&s->lock);
    return st;
}

/* The text of the first <tag>...</tag> of xml, entities decoded, appended to out. */
static void xml_text(const char *xml, const char *tag, char *out, size_t cap)
{
    char open[32], close[32];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *a = strstr(xml, open), *b;
    if (!a || !(b = strstr(a += strlen(open), close)))
        return;
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&gt;", '>'}, {"&lt;", '<'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o = strlen(out);
    if (o && o + 1 < cap)
        out[o++] = ' ';
    while (a < b && o + 1 < cap) {
        char c = *a++;
        for (size_t i = 0; c == '&' && i < sizeof(ents) / sizeof(ents[0]); i++) {
            size_t n = strlen(ents[i].ent);
            if ((size_t)(b - a + 1) >= n && strncmp(a - 1, ents[i].ent, n) == 0) {
                c = ents[i].c;
                a += n - 1;
                break;
            }
        }
        out[o++] = c;
    }
    out[o] = 0;
}

/* A registered task's command: its Exec action's Command and Arguments. */
static bool task_command(const char *xml, char *out, size_t cap)
{
    out[0] = 0;
    xml_text(xml, "Command", out, cap);
    if (!out[0])
        return false;
    xml_text(xml, "Arguments", out, cap);
    return true;
}

/* An open that writes: write access (FILE_WRITE_DATA, FILE_APPEND_DATA,
 * GENERIC_WRITE, GENERIC_ALL, MAXIMUM_ALLOWED) or a disposition that creates
 * or overwrites (FILE_CREATE, FILE_OVERWRITE, FILE_OVERWRITE_IF; MS-SMB2
 * 2.2.13). FILE_SUPERSEDE (0) is left out: it is also what an open that
 * does not carry a disposition reads as. */
static bool create_writes(const smb_fact_file *f)
{
    const uint32_t write_access = 0x00000002u | 0x00000004u | 0x40000000u | 0x10000000u | 0x02000000u;
    uint32_t d = f->create_disposition;
    return (f->desired_access & write_access) != 0 || d == 2 || d == 4 || d == 5;
}

bool incident_obs_of_fact(const smb_fact *f, incident_obs *o)
{
    memset(o, 0, sizeof(*o));
    o->user = f->h.who.user;
    o->domain = f->h.who.domain;
    o->workstation = f->h.who.workstation;
    o->success = f->h.have_response && f->h.status == 0;
    switch (f->h.kind) {
    case SMB_FACT_SESSION_SETUP: o->kind = IO_SESSION; return true;
    case SMB_FACT_TREE_CONNECT:
        o->kind = IO_TREE;
        o->share = f->u.tree.share;
        return true;
    case SMB_FACT_CREATE:
        o->kind = IO_CREATE;
        o->share = f->u.file.tree.share;
        o->name = f->u.file.filename;
        o->file_id = f->u.file.have_file_id ? f->u.file.file_id : NULL;
        o->write_intent = create_writes(&f->u.file);
        return true;
    case SMB_FACT_TASK:
        o->kind = IO_TASK;
        o->encrypted = f->u.task.encrypted;
        o->over_tcp = f->h.transport == SMB_TRANSPORT_TCP;
        o->operation = f->u.task.operation;
        /* sealed: every call is told by its opnum, nothing else is known */
        if (o->encrypted)
            return o->operation != NULL;
        /* a task made: RegisterTask (its XML's Exec action) or NetrJobAdd (its command) */
        if (!f->u.task.operation ||
            (strcmp(f->u.task.operation, "SchRpcRegisterTask") && strcmp(f->u.task.operation, "NetrJobAdd")))
            return false;
        o->share = f->u.task.pipe.tree.share;
        o->name = f->u.task.name;
        o->command = f->u.task.command;
        if (!o->command && f->u.task.xml && task_command(f->u.task.xml, o->text, sizeof(o->text)))
            o->command = o->text;
        return true;
    case SMB_FACT_SERVICE:
        o->kind = IO_SERVICE;
        o->share = f->u.service.pipe.tree.share;
        o->operation = f->u.service.operation;
        o->name = f->u.service.name;
        o->binary_path = f->u.service.binary_path;
        o->encrypted = f->u.service.encrypted;
        o->over_tcp = f->h.transport == SMB_TRANSPORT_TCP;
        o->have_return = f->u.service.have_return;
        o->fault = f->u.service.fault;
        o->return_code = f->u.service.fault ? f->u.service.fault_status : f->u.service.return_code;
        o->success = f->u.service.have_return && f->u.service.return_code == 0;
        return true;
    default: return false;
    }
}

bool incident_file_sha256(const incident_file *f, char out[65])
{
    if (f->hashed == 0)
        return false;
    uint8_t d[32];
    sha256_peek(&f->sha, d);
    sha256_hex(d, out);
    return true;
}
