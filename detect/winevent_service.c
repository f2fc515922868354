/* Service installs rebuilt from svcctl facts: 7045 and 4697 from one
 * successful CreateService*, 7040 from a ChangeServiceConfig that sets a
 * start type. */
#include "winevent_service.h"

#include <string.h>

#include "winevent_families.h"
#include "winevent_fields.h"
#include "winevent_share.h"

static const char EMPTY[] = "";
static const char LOCAL_SYSTEM[] = "LocalSystem";

/* MS-SCMR opnums (protocols/svcctl.h; detect/ reads facts only). */
#define OP_CHANGE_CONFIG_W 11
#define OP_CREATE_W 12
#define OP_CHANGE_CONFIG_A 23
#define OP_CREATE_A 24
#define OP_CREATE_WOW64_A 44
#define OP_CREATE_WOW64_W 45
#define NO_CHANGE 0xffffffffu

#define SERVICE_KERNEL_DRIVER 0x1u
#define SERVICE_FILE_SYSTEM_DRIVER 0x2u
#define SERVICE_WIN32_OWN_PROCESS 0x10u
#define SERVICE_WIN32_SHARE_PROCESS 0x20u
#define SERVICE_INTERACTIVE_PROCESS 0x100u

#define CAP_NAME 257 /* a service name is at most 256 characters */
#define CAP_ACCOUNT 257
#define CAP_COMPUTER 257 /* what winevent_computer stores at most */
#define CAP_NUMBER 16

const char *winevent_service_type_text(uint32_t type)
{
    switch (type & ~SERVICE_INTERACTIVE_PROCESS) {
    case SERVICE_KERNEL_DRIVER: return "kernel mode driver";
    case SERVICE_FILE_SYSTEM_DRIVER: return "file system driver";
    case SERVICE_WIN32_OWN_PROCESS:
    case SERVICE_WIN32_SHARE_PROCESS: return "user mode service";
    default: return NULL;
    }
}

const char *winevent_start_type_text(uint32_t start)
{
    static const char *const names[] = {"boot start", "system start", "auto start", "demand start", "disabled"};
    return start < sizeof names / sizeof names[0] ? names[start] : NULL;
}

static bool is_create(uint16_t op)
{
    return op == OP_CREATE_W || op == OP_CREATE_A || op == OP_CREATE_WOW64_A || op == OP_CREATE_WOW64_W;
}

static bool is_driver(uint32_t type) { return (type & (SERVICE_KERNEL_DRIVER | SERVICE_FILE_SYSTEM_DRIVER)) != 0; }

/* The call succeeded: the response came, was read and says 0. */
static bool succeeded(const smb_fact *f)
{
    const smb_fact_service *s = &f->u.service;
    return f->h.kind == SMB_FACT_SERVICE && f->h.have_response && !s->encrypted && !s->fault && s->have_return &&
           s->return_code == 0;
}

static bool installed(const smb_fact *f)
{
    return succeeded(f) && is_create(f->u.service.opnum) && f->u.service.name && f->u.service.binary_path;
}

/* The account the service runs as: the one the request names, else
 * LocalSystem (what the SCM writes when lpServiceStartName is NULL); a driver
 * runs as no account and Windows writes none. */
static const char *account_of(win_event *e, const smb_fact_service *s)
{
    if (s->account && s->account[0])
        return wf_put(e, s->account, CAP_ACCOUNT);
    return is_driver(s->service_type) ? EMPTY : LOCAL_SYSTEM;
}

static const char *number_text(win_event *e, const char *text, uint32_t v)
{
    if (text)
        return text;
    char buf[CAP_NUMBER];
    wf_dec(v, buf, sizeof buf);
    return wf_put(e, buf, sizeof buf);
}

size_t winevent_service_7045(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (max == 0 || !installed(f))
        return 0;
    const smb_fact_service *s = &f->u.service;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_7045);
    wf_value(e, wf_put(e, s->name, CAP_NAME));
    /* the path is the longest value: it may use what the others leave */
    size_t room = wf_room(e);
    size_t reserve = CAP_ACCOUNT + CAP_COMPUTER + 2 * CAP_NUMBER;
    wf_value(e, wf_put(e, s->binary_path, room > reserve ? room - reserve : 1));
    wf_value(e, number_text(e, winevent_service_type_text(s->service_type), s->service_type));
    wf_value(e, number_text(e, winevent_start_type_text(s->start_type), s->start_type));
    wf_value(e, account_of(e, s));
    wf_finish(e, winevent_computer(e, peer, s->pipe.tree.share));
    return 1;
}

size_t winevent_service_4697(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (max == 0 || !installed(f))
        return 0;
    const smb_fact_service *s = &f->u.service;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_4697);
    wf_subject(e, &f->h);
    wf_value(e, wf_put(e, s->name, CAP_NAME));
    size_t room = wf_room(e);
    size_t reserve = CAP_ACCOUNT + CAP_COMPUTER + 2 * CAP_NUMBER;
    wf_value(e, wf_put(e, s->binary_path, room > reserve ? room - reserve : 1));
    /* HexInt32 and UInt32 in the event: Windows renders them 0x10 and 3 */
    char type[CAP_NUMBER];
    wf_hex(s->service_type, type, sizeof type);
    wf_value(e, wf_put(e, type, sizeof type));
    char start[CAP_NUMBER];
    wf_dec(s->start_type, start, sizeof start);
    wf_value(e, wf_put(e, start, sizeof start));
    wf_value(e, account_of(e, s));
    wf_finish(e, winevent_computer(e, peer, s->pipe.tree.share));
    return 1;
}

size_t winevent_service_7040(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (max == 0 || !succeeded(f))
        return 0;
    const smb_fact_service *s = &f->u.service;
    if ((s->opnum != OP_CHANGE_CONFIG_W && s->opnum != OP_CHANGE_CONFIG_A) || s->start_type == NO_CHANGE)
        return 0;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_7040);
    /* param1: the display name (the request's, else the key name); param2:
     * the start type before, which does not cross the wire; param3: the new
     * one; param4: the service's key name */
    const char *display = s->display_name && s->display_name[0] ? s->display_name : s->name;
    wf_value(e, wf_put(e, display, CAP_NAME));
    wf_value(e, EMPTY);
    wf_value(e, number_text(e, winevent_start_type_text(s->start_type), s->start_type));
    wf_value(e, wf_put(e, s->name, CAP_NAME));
    wf_finish(e, winevent_computer(e, peer, s->pipe.tree.share));
    return 1;
}

size_t winevent_service_path_change(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (max == 0 || f->h.kind != SMB_FACT_SERVICE)
        return 0;
    const smb_fact_service *s = &f->u.service;
    if ((s->opnum != OP_CHANGE_CONFIG_W && s->opnum != OP_CHANGE_CONFIG_A) || !s->binary_path || s->encrypted)
        return 0;
    if (s->fault || (s->have_return && s->return_code != 0))
        return 0; /* refused: nothing was rewritten */
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_PW_SERVICE_PATH);
    wf_value(e, s->operation);
    wf_value(e, wf_put(e, s->name, CAP_NAME));
    size_t room = wf_room(e);
    size_t reserve = CAP_COMPUTER + 2 * CAP_NUMBER;
    wf_value(e, wf_put(e, s->binary_path, room > reserve ? room - reserve : 1));
    const char *start = s->start_type == NO_CHANGE ? EMPTY : winevent_start_type_text(s->start_type);
    wf_value(e, start ? start : number_text(e, NULL, s->start_type));
    char rc[CAP_NUMBER];
    if (s->have_return)
        wf_dec(s->return_code, rc, sizeof rc);
    wf_value(e, s->have_return ? wf_put(e, rc, sizeof rc) : EMPTY);
    wf_finish(e, winevent_computer(e, peer, s->pipe.tree.share));
    return 1;
}
