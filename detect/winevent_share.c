/* Windows Security events 5145 and 5140 rebuilt from SMB facts. */
#include "winevent_share.h"

#include <string.h>
#include <strings.h>

#include "winevent_families.h"
#include "winevent_fields.h"

static const char OBJECT_TYPE_FILE[] = "File";
static const char NO_REASON[] = "-";
static const char EMPTY[] = "";

#define CAP_SHARE 520
#define CAP_SHARE_PATH 800
#define CAP_COMPUTER 257
#define CAP_ACCESS_LIST 320
#define CAP_ACCESS_NAMES 512
#define CAP_MASK_NAMES 320
/* AccessMask, AccessList, AccessReason, Computer and the two renderings by
 * name follow RelativeTargetName. */
#define RESERVE_AFTER_NAME (16 + CAP_ACCESS_LIST + 4 + CAP_COMPUTER + CAP_ACCESS_NAMES + CAP_MASK_NAMES)

/* Windows puts each right on its own line of the rendered insertion string:
 * the code, then a newline and four tabs (also after the last one). */
#define ACCESS_SEP "\n\t\t\t\t"

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

/* The names Windows' message table (msobjs.dll) gives the codes, as
 * Winlogbeat's security module renders AccessList into
 * AccessListDescription. */
static const char *right_name(unsigned id)
{
    static const char *const standard[] = {"DELETE",      "READ_CONTROL",   "WRITE_DAC",  "WRITE_OWNER",
                                           "SYNCHRONIZE", "ACCESS_SYS_SEC", "MAX_ALLOWED"};
    static const char *const file[] = {"ReadData (or ListDirectory)",
                                       "WriteData (or AddFile)",
                                       "AppendData (or AddSubdirectory or CreatePipeInstance)",
                                       "ReadEA",
                                       "WriteEA",
                                       "Execute/Traverse",
                                       "DeleteChild",
                                       "ReadAttributes",
                                       "WriteAttributes"};
    static const char *const unknown[] = {
        "Unknown specific access (bit 9)",  "Unknown specific access (bit 10)", "Unknown specific access (bit 11)",
        "Unknown specific access (bit 12)", "Unknown specific access (bit 13)", "Unknown specific access (bit 14)",
        "Unknown specific access (bit 15)"};
    if (id >= 1537 && id <= 1543)
        return standard[id - 1537];
    if (id >= 4416 && id <= 4424)
        return file[id - 4416];
    if (id >= 1561 && id <= 1567)
        return unknown[id - 1561];
    return NULL;
}

void winevent_access_names(const char *list, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    size_t w = 0;
    for (const char *p = list; (p = strstr(p, "%%")) != NULL;) {
        p += 2;
        unsigned id = 0;
        while (*p >= '0' && *p <= '9' && id < 100000)
            id = id * 10 + (unsigned)(*p++ - '0');
        const char *name = right_name(id);
        if (!name)
            continue;
        /* a name that does not fit whole is not written, nor its separator */
        if (w + (w ? 1 : 0) + strlen(name) + 1 > n)
            return;
        if (w)
            append(buf, n, &w, "\n");
        append(buf, n, &w, name);
    }
}

/* Winlogbeat's security module names the bits of AccessMask from its own
 * table, the directory-service rights (ADS_RIGHT_*) whatever the object
 * type, lowest bit first; bits it has no name for (9-15, 21-23, 25-27) are
 * left out. These are its names, byte for byte ("Delete Treee" too). */
void winevent_access_mask_names(uint32_t mask, char *buf, size_t n)
{
    static const char *const names[32] = {
        [0] = "Create Child",
        [1] = "Delete Child",
        [2] = "List Contents",
        [3] = "SELF",
        [4] = "Read Property",
        [5] = "Write Property",
        [6] = "Delete Treee",
        [7] = "List Object",
        [8] = "Control Access",
        [16] = "DELETE",
        [17] = "READ_CONTROL",
        [18] = "WRITE_DAC",
        [19] = "WRITE_OWNER",
        [20] = "SYNCHRONIZE",
        [24] = "ADS_RIGHT_ACCESS_SYSTEM_SECURITY",
        [28] = "ADS_RIGHT_GENERIC_ALL",
        [29] = "ADS_RIGHT_GENERIC_EXECUTE",
        [30] = "ADS_RIGHT_GENERIC_WRITE",
        [31] = "ADS_RIGHT_GENERIC_READ",
    };
    if (n == 0)
        return;
    buf[0] = '\0';
    size_t w = 0;
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(mask & (1u << bit)) || !names[bit])
            continue;
        if (w + (w ? 1 : 0) + strlen(names[bit]) + 1 > n)
            return;
        if (w)
            append(buf, n, &w, "\n");
        append(buf, n, &w, names[bit]);
    }
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
        wf_dec(id, code + 2, sizeof code - 2);
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

/* The administrative shares have fixed names that Windows writes in upper
 * case whatever case the client used; other shares keep the client's case,
 * since the server's own spelling is not on the wire. */
static bool is_admin_share(const char *name)
{
    return wf_ieq(name, "IPC$") || wf_ieq(name, "ADMIN$") || is_drive_share(name);
}

const char *winevent_share_part(const char *share)
{
    if (!share)
        return NULL;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    return name;
}

/* The name part of the share, in the server's spelling when the sensor saw
 * the server name it (srvsvc) and it is the same name but for case. */
static const char *share_spelling(const char *name, const win_peer *peer)
{
    if (peer && peer->share_name && peer->share_name[0] && wf_ieq(peer->share_name, name))
        return peer->share_name;
    return name;
}

static void share_name_as(const char *share, const win_peer *peer, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    if (!share)
        return;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    name = share_spelling(name, peer);
    size_t w = 0;
    if (!append(buf, n, &w, "\\\\*\\"))
        return;
    size_t len = strlen(name);
    size_t take = wf_utf8_cut(name, len, n - 1 - w);
    bool upper = is_admin_share(name);
    for (size_t i = 0; i < take; i++) {
        char c = name[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        buf[w++] = c;
    }
    buf[w] = '\0';
}

void winevent_share_name(const char *share, char *buf, size_t n) { share_name_as(share, NULL, buf, n); }

/* Windows writes the local path of the share. Only the shares whose path
 * is fixed by their name get one: drive shares (X$ is the root of X:) and
 * ADMIN$ (%SystemRoot%, C:\Windows on a default install). IPC$ has none,
 * and Windows writes it empty; for any other share the path is unknown. */
static const char *local_path(win_event *e, const char *share, const win_peer *peer)
{
    if (!share)
        return EMPTY;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    /* the path the server gave for the share (srvsvc), in the NT form
     * Windows logs ("C:\Windows" -> "\??\C:\Windows"; IPC$'s "" stays "") */
    if (peer && peer->share_path && peer->share_name && wf_ieq(peer->share_name, name)) {
        if (!peer->share_path[0])
            return EMPTY;
        char tmp[CAP_SHARE_PATH];
        size_t pl = strlen(peer->share_path);
        if (pl + 5 > sizeof tmp)
            return EMPTY; /* longer than Windows' paths: not cut into a wrong one */
        memcpy(tmp, "\\??\\", 4);
        memcpy(tmp + 4, peer->share_path, pl + 1);
        return wf_put(e, tmp, sizeof tmp);
    }
    if (wf_ieq(name, "ADMIN$"))
        return "\\??\\C:\\Windows";
    if (is_drive_share(name)) {
        char tmp[8] = "\\??\\X:\\";
        char d = name[0];
        tmp[4] = (char)(d >= 'a' && d <= 'z' ? d - 32 : d);
        return wf_put(e, tmp, sizeof tmp);
    }
    return EMPTY;
}

/* An address written as a host: dotted IPv4, IPv6 (with or without
 * brackets, or in the ipv6-literal.net form). Windows never writes one as
 * its Computer name. */
static bool is_ip_literal(const char *host, size_t len)
{
    if (len == 0)
        return false;
    bool digits_dots = true;
    for (size_t i = 0; i < len; i++) {
        char ch = host[i];
        if (ch == ':' || ch == '[')
            return true;
        if (!((ch >= '0' && ch <= '9') || ch == '.'))
            digits_dots = false;
    }
    static const char v6net[] = ".ipv6-literal.net";
    size_t k = sizeof v6net - 1;
    if (len > k && strncasecmp(host + len - k, v6net, k) == 0)
        return true;
    return digits_dots;
}

/* Windows writes its own name as Computer: the DNS name its NTLMSSP
 * CHALLENGE gave (peer->server_name, from this connection or another one to
 * the same address). Without it, the host of the UNC path when the client
 * wrote a name; an address there is not the server's name and stays out. */
const char *winevent_computer(win_event *e, const win_peer *peer, const char *share)
{
    if (peer && peer->server_name && peer->server_name[0])
        return wf_put(e, peer->server_name, CAP_COMPUTER);
    if (!share)
        return EMPTY;
    const char *host, *name;
    size_t hostlen;
    split_share(share, &host, &hostlen, &name);
    if (is_ip_literal(host, hostlen))
        return EMPTY;
    return wf_putn(e, host, hostlen, CAP_COMPUTER);
}

static void share_fields(win_event *e, const char *share_path, const win_peer *peer)
{
    char share[CAP_SHARE];
    share_name_as(share_path, peer, share, sizeof share);
    wf_value(e, wf_put(e, share, sizeof share));
    wf_value(e, local_path(e, share_path, peer));
}

/* What an access mask is rendered as (its hex, the access list, and
 * Winlogbeat's two lists of names) depends on the mask alone, and the same
 * few masks come back event after event: kept per worker thread, filed by
 * mask. */
typedef struct access_text {
    bool valid;
    uint32_t mask;
    char hex[16];
    char list[CAP_ACCESS_LIST];
    char names[CAP_ACCESS_NAMES];
    char mask_names[CAP_MASK_NAMES];
} access_text;
#define ACCESS_MEMO_SLOTS 16
static _Thread_local access_text access_memo[ACCESS_MEMO_SLOTS];

static const access_text *access_text_of(uint32_t mask)
{
    access_text *a = &access_memo[(mask ^ (mask >> 11) ^ (mask >> 21)) % ACCESS_MEMO_SLOTS];
    if (a->valid && a->mask == mask)
        return a;
    wf_hex(map_generic(mask), a->hex, sizeof a->hex);
    winevent_access_list(mask, a->list, sizeof a->list);
    winevent_access_names(a->list, a->names, sizeof a->names);
    winevent_access_mask_names(map_generic(mask), a->mask_names, sizeof a->mask_names);
    a->mask = mask;
    a->valid = true;
    return a;
}

static void access_fields(win_event *e, uint32_t mask, const char **list_out)
{
    const access_text *a = access_text_of(mask);
    wf_value(e, wf_put(e, a->hex, sizeof a->hex));
    *list_out = wf_put(e, a->list, sizeof a->list);
    wf_value(e, *list_out);
}

/* AccessListDescription and AccessMaskDescription (the rights by name, one
 * a line) after the system fields: Winlogbeat's additions, not Windows'
 * EventData. Every layout writes them from here. The names are those of
 * the list as the event holds it (cut when its storage ran short). */
static void access_description(win_event *e, uint32_t mask, const char *list)
{
    const access_text *a = access_text_of(mask);
    const char *names = a->names;
    char cut[CAP_ACCESS_NAMES];
    if (strcmp(list, a->list) != 0) {
        winevent_access_names(list, cut, sizeof cut);
        names = cut;
    }
    wf_extra(e, "AccessListDescription", wf_put(e, names, CAP_ACCESS_NAMES));
    wf_extra(e, "AccessMaskDescription", wf_put(e, a->mask_names, CAP_MASK_NAMES));
}

/* NT_SUCCESS: severity success or informational. */
static bool nt_success(uint32_t status) { return (status >> 30) <= 1; }

#define STATUS_ACCESS_DENIED 0xC0000022u
#define STATUS_NETWORK_ACCESS_DENIED 0xC00000CAu
#define FILE_READ_ATTRIBUTES 0x80u

/* 5145 audits the share's access check. Microsoft: failure events are
 * generated only when access is denied at the share level; a create that
 * passes it and then fails in the file system (not found, sharing
 * violation, ...) is an Audit Success. Of the statuses on the wire only a
 * denial can be the share's. */
static bool share_check_passed(const smb_fact_head *h)
{
    return !h->have_response || nt_success(h->status) ||
           (h->status != STATUS_ACCESS_DENIED && h->status != STATUS_NETWORK_ACCESS_DENIED);
}

/* The mask Windows audits for the CREATE: as asked, with SMB1's
 * FILE_READ_ATTRIBUTES added. */
static uint32_t access_of(const smb_fact *f)
{
    /* Over SMB1 Windows audits NT_CREATE_ANDX with FILE_READ_ATTRIBUTES
     * added to what the client asked (wire 0x3, log 0x83); the legacy opens
     * reach the same open path with the mask their AccessMode maps to */
    uint32_t mask = f->u.file.desired_access;
    if (f->h.smb_version == 1)
        mask |= FILE_READ_ATTRIBUTES;
    return mask;
}

/* One 5145 for the CREATE, with mask (0: the CREATE's own). */
static size_t share_5145_one(const smb_fact *f, const win_peer *peer, win_event *out, size_t max, uint32_t mask)
{
    const smb_fact_file *file = &f->u.file;
    /* A response without its request carries neither the name nor the
     * desired access: there is nothing of a 5145 to tell. */
    if (f->h.kind != SMB_FACT_CREATE || !f->h.have_request || max == 0)
        return 0;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_5145);
    /* An unanswered CREATE (flow cut, capture loss) is written as a success:
     * Windows audits the access check when the request arrives, before any
     * reply, so the request alone is what the event records. */
    e->audit_success = share_check_passed(&f->h);
    wf_subject(e, &f->h);
    wf_value(e, OBJECT_TYPE_FILE);
    wf_peer(e, peer);
    share_fields(e, file->tree.share, peer);
    /* The name is written last among the wire values, so it may use what the
     * earlier fields left, minus what the later ones need. */
    const char *rel = winevent_relative_name(file->filename);
    size_t room = wf_room(e);
    size_t cap = room > RESERVE_AFTER_NAME ? room - RESERVE_AFTER_NAME : 1;
    wf_value(e, wf_put(e, rel, cap));
    if (!mask)
        mask = access_of(f);
    const char *list;
    access_fields(e, mask, &list);
    wf_value(e, NO_REASON);
    wf_finish(e, winevent_computer(e, peer, file->tree.share));
    access_description(e, mask, list);
    return 1;
}

#define FILE_CREATED 2
#define FILE_WRITE_DATA 0x2u

/* A CREATE that made a new file gives Windows a second access check, and a
 * second 5145: Windows Server 2016 checks WriteData (AccessMask 0x2) for the
 * new file, Windows 7 (and 8, Server 2008 R2/2012: NT 6.x) the requested
 * mask again. The server's version is on the wire in its NTLMSSP
 * CHALLENGE; 10.0 (Windows 10 and Server 2016 alike) and unknown versions
 * get the Server 2016 form, 6.x the Windows 7 form. */
static uint32_t second_mask(const smb_fact *f, uint32_t first)
{
    return f->h.server.os_major == 6 ? first : FILE_WRITE_DATA;
}

size_t winevent_share_5145(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    size_t n = share_5145_one(f, peer, out, max, 0);
    if (n == 0 || n >= max || !f->h.have_response || f->h.status != 0 || f->u.file.create_action != FILE_CREATED)
        return n;
    return n + share_5145_one(f, peer, out + n, max - n, second_mask(f, access_of(f)));
}

size_t winevent_share_5140(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    const char *share = f->u.tree.share;
    if (f->h.kind != SMB_FACT_TREE_CONNECT || !f->h.have_response || !nt_success(f->h.status) || !share ||
        max == 0)
        return 0;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_5140);
    wf_subject(e, &f->h);
    wf_value(e, OBJECT_TYPE_FILE);
    wf_peer(e, peer);
    share_fields(e, share, peer);
    /* The TREE_CONNECT request asks for no access; Windows records 5140 with
     * ReadData (0x1) for every share connection. */
    const char *list;
    access_fields(e, 0x1, &list);
    wf_finish(e, winevent_computer(e, peer, share));
    access_description(e, 0x1, list);
    return 1;
}
