/* Windows Security events 5145 and 5140 rebuilt from SMB facts. Field names,
 * order and value formats follow what Windows itself writes; every choice the
 * wire cannot settle is explained in docs/events.md. */
#include "winevent.h"

#include <string.h>

/* Constant values point at literals rather than into storage: they never
 * change, and it leaves the storage for the values that come from the wire. */
static const char NULL_SID[] = "S-1-0-0";
static const char ANON_SID[] = "S-1-5-7";
static const char ANON_USER[] = "ANONYMOUS LOGON";
static const char ANON_DOMAIN[] = "NT AUTHORITY";
static const char OBJECT_TYPE_FILE[] = "File";
static const char NO_REASON[] = "-";
static const char CHANNEL[] = "Security";
static const char PROVIDER[] = "Microsoft-Windows-Security-Auditing";
static const char KW_SUCCESS[] = "Audit Success";
static const char KW_FAILURE[] = "Audit Failure";
static const char EMPTY[] = "";

/* Per-field limits, so that a long value from the wire can only shorten
 * itself and never starve the fields written after it. The file name takes
 * whatever is left once room for the later fields is set aside. */
#define CAP_USER 257
#define CAP_DOMAIN 257
#define CAP_IP 64
#define CAP_SHARE 520
#define CAP_COMPUTER 257
#define CAP_LOCAL_PATH 32
#define CAP_ACCESS_LIST 320
/* AccessMask, AccessList, AccessReason and Computer follow RelativeTargetName. */
#define RESERVE_AFTER_NAME (16 + CAP_ACCESS_LIST + 4 + CAP_COMPUTER)

/* Windows puts each right on its own line of the rendered insertion string:
 * the code, then a newline and four tabs (also after the last one). */
#define ACCESS_SEP "\n\t\t\t\t"

/* Largest n <= len that does not cut a UTF-8 sequence in two. */
static size_t utf8_cut(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Copies at most cap-1 bytes of s (len bytes) into the event's storage. */
static const char *st_putn(win_event *e, const char *s, size_t len, size_t cap)
{
    size_t room = WINEVENT_STORAGE - e->used;
    if (room == 0)
        return EMPTY;
    if (cap > room)
        cap = room;
    size_t n = utf8_cut(s, len, cap - 1);
    char *dst = e->storage + e->used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    e->used += n + 1;
    return dst;
}

static const char *st_put(win_event *e, const char *s, size_t cap)
{
    if (!s)
        return EMPTY;
    return st_putn(e, s, strlen(s), cap);
}

static void add_field(win_event *e, const char *name, const char *value)
{
    if (e->nfields < WINEVENT_MAX_FIELDS) {
        e->fields[e->nfields].name = name;
        e->fields[e->nfields].value = value;
        e->nfields++;
    }
}

static size_t fmt_hex64(uint64_t v, char *buf, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[20];
    size_t k = 0;
    do {
        tmp[k++] = digits[v & 0xF];
        v >>= 4;
    } while (v);
    if (n == 0)
        return 0;
    size_t w = 0;
    if (w + 1 < n)
        buf[w++] = '0';
    if (w + 1 < n)
        buf[w++] = 'x';
    while (k > 0 && w + 1 < n)
        buf[w++] = tmp[--k];
    buf[w] = '\0';
    return w;
}

void winevent_hex(uint32_t v, char *buf, size_t n)
{
    fmt_hex64(v, buf, n);
}

static size_t fmt_u32(uint32_t v, char *buf, size_t n)
{
    char tmp[12];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n == 0)
        return 0;
    size_t w = 0;
    while (k > 0 && w + 1 < n)
        buf[w++] = tmp[--k];
    buf[w] = '\0';
    return w;
}

/* Generic rights as the file object type maps them (MS-DTYP 2.4.3 and the
 * FILE_GENERIC_* definitions): Windows checks and audits the mapped mask. */
#define FILE_GENERIC_READ_MASK 0x00120089u
#define FILE_GENERIC_WRITE_MASK 0x00120116u
#define FILE_GENERIC_EXECUTE_MASK 0x001200a0u
#define FILE_ALL_ACCESS_MASK 0x001f01ffu

static uint32_t map_generic(uint32_t mask)
{
    uint32_t out = mask & 0x0fffffffu;
    if (mask & 0x80000000u)
        out |= FILE_GENERIC_READ_MASK;
    if (mask & 0x40000000u)
        out |= FILE_GENERIC_WRITE_MASK;
    if (mask & 0x20000000u)
        out |= FILE_GENERIC_EXECUTE_MASK;
    if (mask & 0x10000000u)
        out |= FILE_ALL_ACCESS_MASK;
    return out;
}

static bool append(char *buf, size_t n, size_t *w, const char *s)
{
    size_t len = strlen(s);
    if (*w + len + 1 > n)
        return false;
    memcpy(buf + *w, s, len);
    *w += len;
    buf[*w] = '\0';
    return true;
}

void winevent_access_list(uint32_t mask, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    mask = map_generic(mask);
    /* Windows lists the standard rights (message ids 1537..1543 for bits
     * 16..20, 24, 25) before the object-specific ones, lowest bit first. */
    static const struct {
        uint32_t bit;
        const char *code;
    } standard[] = {
        {0x00010000u, "%%1537"}, {0x00020000u, "%%1538"}, {0x00040000u, "%%1539"}, {0x00080000u, "%%1540"},
        {0x00100000u, "%%1541"}, {0x01000000u, "%%1542"}, {0x02000000u, "%%1543"},
    };
    size_t w = 0;
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
        if ((mask & standard[i].bit) &&
            (!append(buf, n, &w, standard[i].code) || !append(buf, n, &w, ACCESS_SEP)))
            return;
    }
    for (unsigned bit = 0; bit < 16; bit++) {
        if (!(mask & (1u << bit)))
            continue;
        /* File rights are 4416.. for bits 0..8; bits the file type does not
         * define fall back to "Unknown specific access (bit N)", 1552+N. */
        unsigned id = bit <= 8 ? 4416 + bit : 1552 + bit;
        char code[8] = "%%";
        fmt_u32(id, code + 2, sizeof code - 2);
        if (!append(buf, n, &w, code) || !append(buf, n, &w, ACCESS_SEP))
            return;
    }
}

const char *winevent_relative_name(const char *filename)
{
    if (!filename)
        return "\\";
    if (filename[0] == '\\')
        filename++;
    /* A directory open on the share root has an empty name; Windows writes "\". */
    return filename[0] ? filename : "\\";
}

/* Splits "\\host\share" into host and share. A path without the leading
 * pair of backslashes is taken as a bare share name. */
static void split_share(const char *share, const char **host, size_t *hostlen, const char **name)
{
    *host = share;
    *hostlen = 0;
    *name = share;
    if (share[0] != '\\' || share[1] != '\\')
        return;
    const char *h = share + 2;
    const char *sep = strchr(h, '\\');
    *host = h;
    if (!sep) {
        *hostlen = strlen(h);
        *name = h + *hostlen;
        return;
    }
    *hostlen = (size_t)(sep - h);
    *name = sep + 1;
}

static bool is_drive_share(const char *name)
{
    char c = name[0];
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && name[1] == '$' && name[2] == '\0';
}

static bool ascii_ieq(const char *a, const char *b)
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

/* The administrative shares have fixed names that Windows writes in upper
 * case whatever case the client used; other shares keep the client's case,
 * since the server's own spelling is not on the wire. */
static bool is_admin_share(const char *name)
{
    return ascii_ieq(name, "IPC$") || ascii_ieq(name, "ADMIN$") || is_drive_share(name);
}

void winevent_share_name(const char *share, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    if (!share)
        return;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    size_t w = 0;
    if (!append(buf, n, &w, "\\\\*\\"))
        return;
    size_t len = strlen(name);
    size_t take = utf8_cut(name, len, n - 1 - w);
    bool upper = is_admin_share(name);
    for (size_t i = 0; i < take; i++) {
        char c = name[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        buf[w++] = c;
    }
    buf[w] = '\0';
}

/* Windows writes the local path of the share. Only the shares whose path
 * is fixed by their name get one: drive shares (X$ is the root of X:) and
 * ADMIN$ (%SystemRoot%, C:\Windows on a default install). IPC$ has none,
 * and Windows writes it empty; for any other share the path is unknown. */
static const char *local_path(win_event *e, const char *share)
{
    if (!share)
        return EMPTY;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    if (ascii_ieq(name, "ADMIN$"))
        return "\\??\\C:\\Windows";
    if (is_drive_share(name)) {
        char tmp[8] = "\\??\\X:\\";
        char d = name[0];
        tmp[4] = (char)(d >= 'a' && d <= 'z' ? d - 32 : d);
        return st_put(e, tmp, sizeof tmp);
    }
    return EMPTY;
}

/* Server name from the share path; an IPv6 literal loses its brackets. */
static const char *computer(win_event *e, const char *share)
{
    if (!share)
        return EMPTY;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    if (hostlen >= 2 && host[0] == '[' && host[hostlen - 1] == ']') {
        host++;
        hostlen -= 2;
    }
    return st_putn(e, host, hostlen, CAP_COMPUTER);
}

static void subject(win_event *e, const smb_fact *f)
{
    char logon_id[24];
    const smb_identity *who = &f->h.who;
    fmt_hex64(f->h.session_id, logon_id, sizeof logon_id);
    if (who->auth == SMB_AUTH_ANONYMOUS) {
        add_field(e, "SubjectUserSid", ANON_SID);
        add_field(e, "SubjectUserName", ANON_USER);
        add_field(e, "SubjectDomainName", ANON_DOMAIN);
    } else {
        /* The account's SID never crosses the wire; Windows' NULL SID says
         * so. Under Kerberos the names are inside the encrypted ticket. */
        bool names = who->auth != SMB_AUTH_KERBEROS;
        add_field(e, "SubjectUserSid", NULL_SID);
        add_field(e, "SubjectUserName", names ? st_put(e, who->user, CAP_USER) : EMPTY);
        add_field(e, "SubjectDomainName", names ? st_put(e, who->domain, CAP_DOMAIN) : EMPTY);
    }
    add_field(e, "SubjectLogonId", st_put(e, logon_id, sizeof logon_id));
    add_field(e, "ObjectType", OBJECT_TYPE_FILE);
}

static void peer_fields(win_event *e, const win_peer *peer)
{
    if (!peer) {
        add_field(e, "IpAddress", EMPTY);
        add_field(e, "IpPort", EMPTY);
        return;
    }
    char port[8];
    fmt_u32(peer->client_port, port, sizeof port);
    add_field(e, "IpAddress", st_put(e, peer->client_ip, CAP_IP));
    add_field(e, "IpPort", st_put(e, port, sizeof port));
}

static void share_fields(win_event *e, const char *share_path)
{
    char share[CAP_SHARE];
    winevent_share_name(share_path, share, sizeof share);
    add_field(e, "ShareName", st_put(e, share, sizeof share));
    add_field(e, "ShareLocalPath", local_path(e, share_path));
}

static void access_fields(win_event *e, uint32_t mask)
{
    char hex[16];
    char list[CAP_ACCESS_LIST];
    winevent_hex(map_generic(mask), hex, sizeof hex);
    winevent_access_list(mask, list, sizeof list);
    add_field(e, "AccessMask", st_put(e, hex, sizeof hex));
    add_field(e, "AccessList", st_put(e, list, sizeof list));
}

static void system_fields(win_event *e, const char *event_id, const char *computer_name)
{
    e->ndata = e->nfields;
    e->computer_name = computer_name;
    add_field(e, "EventID", event_id);
    add_field(e, "Channel", CHANNEL);
    add_field(e, "Provider_Name", PROVIDER);
    add_field(e, "Computer", computer_name);
    add_field(e, "Keywords", e->audit_success ? KW_SUCCESS : KW_FAILURE);
    e->sigma.product = "windows";
    e->sigma.service = "security";
    e->sigma.category = NULL;
    e->sigma.fields = e->fields;
    e->sigma.nfields = e->nfields;
}

static void reset(win_event *e, uint16_t id)
{
    e->event_id = id;
    e->audit_success = true;
    e->computer_name = EMPTY;
    e->nfields = 0;
    e->ndata = 0;
    e->used = 0;
    memset(&e->sigma, 0, sizeof e->sigma);
}

/* NT_SUCCESS: severity success or informational. */
static bool nt_success(uint32_t status)
{
    return (status >> 30) <= 1;
}

static bool build_5145(const smb_fact *f, const win_peer *peer, win_event *e)
{
    /* A response without its request carries neither the name nor the
     * desired access: there is nothing of a 5145 to tell. */
    const smb_fact_file *file = &f->u.file;
    if (!f->h.have_request)
        return false;
    reset(e, 5145);
    /* An unanswered CREATE (flow cut, capture loss) is written as a success:
     * Windows audits the access check when the request arrives, before any
     * reply, so the request alone is what the event records. */
    e->audit_success = !f->h.have_response || nt_success(f->h.status);
    subject(e, f);
    peer_fields(e, peer);
    share_fields(e, file->tree.share);
    /* The name is written last among the wire values, so it may use what the
     * earlier fields left, minus what the later ones need. */
    const char *rel = winevent_relative_name(file->filename);
    size_t room = WINEVENT_STORAGE - e->used;
    size_t cap = room > RESERVE_AFTER_NAME ? room - RESERVE_AFTER_NAME : 1;
    add_field(e, "RelativeTargetName", st_put(e, rel, cap));
    access_fields(e, file->desired_access);
    add_field(e, "AccessReason", NO_REASON);
    system_fields(e, "5145", computer(e, file->tree.share));
    return true;
}

static bool build_5140(const smb_fact *f, const win_peer *peer, win_event *e)
{
    const char *share = f->u.tree.share;
    if (!f->h.have_response || !nt_success(f->h.status) || !share)
        return false;
    reset(e, 5140);
    subject(e, f);
    peer_fields(e, peer);
    share_fields(e, share);
    /* The TREE_CONNECT request asks for no access; Windows records 5140 with
     * ReadData (0x1) for every share connection. */
    access_fields(e, 0x1);
    system_fields(e, "5140", computer(e, share));
    return true;
}

bool winevent_from_fact(const smb_fact *f, const win_peer *peer, win_event *out)
{
    if (!f || !out)
        return false;
    switch (f->h.kind) {
    case SMB_FACT_CREATE: return build_5145(f, peer, out);
    case SMB_FACT_TREE_CONNECT: return build_5140(f, peer, out);
    default: return false;
    }
}

const char *winevent_get(const win_event *e, const char *name)
{
    if (!e || !name)
        return NULL;
    for (size_t i = 0; i < e->nfields; i++) {
        if (strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    }
    return NULL;
}
