#include "winevent_fields.h"

#include <string.h>

/* Constant values point at literals rather than into storage: they never
 * change, and it leaves the storage for the values that come from the wire. */
static const char NULL_SID[] = "S-1-0-0";
static const char ANON_SID[] = "S-1-5-7";
static const char ANON_USER[] = "ANONYMOUS LOGON";
static const char ANON_DOMAIN[] = "NT AUTHORITY";
static const char EMPTY[] = "";

/* Per-field limits, so that a long value from the wire can only shorten
 * itself and never starve the fields written after it. */
#define CAP_USER 257
#define CAP_DOMAIN 257
#define CAP_IP 64

size_t wf_utf8_cut(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

bool wf_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 32);
        if (x != y)
            return false;
    }
    return *a == *b;
}

size_t wf_room(const win_event *e) { return WINEVENT_STORAGE - e->used; }

const char *wf_putn(win_event *e, const char *s, size_t len, size_t cap)
{
    size_t room = wf_room(e);
    if (room == 0)
        return EMPTY;
    if (cap > room)
        cap = room;
    size_t n = wf_utf8_cut(s, len, cap - 1);
    char *dst = e->storage + e->used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    e->used += n + 1;
    return dst;
}

const char *wf_put(win_event *e, const char *s, size_t cap)
{
    if (!s)
        return EMPTY;
    return wf_putn(e, s, strlen(s), cap);
}

static void add_field(win_event *e, const char *name, const char *value)
{
    if (e->nfields < WINEVENT_MAX_FIELDS) {
        e->fields[e->nfields].name = name;
        e->fields[e->nfields].value = value;
        e->nfields++;
    }
}

void wf_begin(win_event *e, const win_event_def *def)
{
    e->def = def;
    e->event_id = def->event_id;
    e->audit_success = true;
    e->keywords = def->family->keyword_success;
    e->computer_name = EMPTY;
    e->nfields = 0;
    e->ndata = 0;
    e->used = 0;
    memset(&e->sigma, 0, sizeof e->sigma);
}

void wf_value(win_event *e, const char *value)
{
    /* a builder that appends more values than its definition names is
     * stopped here rather than mislabelling them */
    if (e->nfields < e->def->ndata)
        add_field(e, e->def->data_fields[e->nfields], value ? value : EMPTY);
}

void wf_finish(win_event *e, const char *computer_name)
{
    const win_family *fam = e->def->family;
    while (e->nfields < e->def->ndata)
        wf_value(e, EMPTY); /* every field of the definition is present */
    e->ndata = e->nfields;
    e->computer_name = computer_name ? computer_name : EMPTY;
    e->keywords = e->audit_success ? fam->keyword_success : fam->keyword_failure;
    add_field(e, "EventID", e->def->event_id_text);
    add_field(e, "Channel", fam->channel);
    add_field(e, "Provider_Name", fam->provider);
    add_field(e, "Computer", e->computer_name);
    add_field(e, "Keywords", e->keywords);
    e->sigma.product = fam->product;
    e->sigma.service = fam->service;
    e->sigma.category = fam->category;
    e->sigma.fields = e->fields;
    e->sigma.nfields = e->nfields;
}

void wf_extra(win_event *e, const char *name, const char *value)
{
    add_field(e, name, value ? value : EMPTY);
    e->sigma.nfields = e->nfields;
}

void wf_hex(uint64_t v, char *buf, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[20];
    size_t k = 0;
    do {
        tmp[k++] = digits[v & 0xF];
        v >>= 4;
    } while (v);
    if (n == 0)
        return;
    size_t w = 0;
    if (w + 1 < n)
        buf[w++] = '0';
    if (w + 1 < n)
        buf[w++] = 'x';
    while (k > 0 && w + 1 < n)
        buf[w++] = tmp[--k];
    buf[w] = '\0';
}

void wf_dec(uint32_t v, char *buf, size_t n)
{
    char tmp[12];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n == 0)
        return;
    size_t w = 0;
    while (k > 0 && w + 1 < n)
        buf[w++] = tmp[--k];
    buf[w] = '\0';
}

void wf_subject(win_event *e, const smb_fact_head *h)
{
    char logon_id[24];
    const smb_identity *who = &h->who;
    /* An SMB session's id stands for its logon; a call over TCP has no
     * session, and its logon's id is not on the wire. */
    if (h->transport == SMB_TRANSPORT_TCP)
        logon_id[0] = '\0';
    else
        wf_hex(h->session_id, logon_id, sizeof logon_id);
    if (who->auth == SMB_AUTH_ANONYMOUS) {
        wf_value(e, ANON_SID);
        wf_value(e, ANON_USER);
        wf_value(e, ANON_DOMAIN);
    } else {
        /* The account's SID never crosses the wire; Windows' NULL SID says
         * so. Under Kerberos the names are inside the encrypted ticket. */
        bool names = who->auth != SMB_AUTH_KERBEROS || who->from_kdc;
        const char *domain = who->domain;
        /* An AUTHENTICATE without a domain logs on to the server's own
         * domain: Windows writes the NetBIOS domain name its CHALLENGE gave
         * as TargetName (or, when only the AUTHENTICATE was seen, the
         * MsvAvNbDomainName it echoes). */
        if (!domain && who->auth == SMB_AUTH_NTLMSSP && who->user)
            domain = h->server.target_name ? h->server.target_name : h->server.nb_domain;
        wf_value(e, NULL_SID);
        wf_value(e, names ? wf_put(e, who->user, CAP_USER) : EMPTY);
        wf_value(e, names ? wf_put(e, domain, CAP_DOMAIN) : EMPTY);
    }
    wf_value(e, wf_put(e, logon_id, sizeof logon_id));
}

void wf_peer(win_event *e, const win_peer *peer)
{
    if (!peer) {
        wf_value(e, EMPTY);
        wf_value(e, EMPTY);
        return;
    }
    char port[8];
    wf_dec(peer->client_port, port, sizeof port);
    wf_value(e, wf_put(e, peer->client_ip, CAP_IP));
    wf_value(e, wf_put(e, port, sizeof port));
}
