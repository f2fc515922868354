/* Which builders a fact goes to: one row per fact kind and event, in the
 * order the events are written. */
#include "winevent.h"

#include <string.h>

#include "winevent_service.h"
#include "winevent_share.h"
#include "winevent_task.h"

typedef size_t (*winevent_builder)(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

static const struct {
    smb_fact_kind kind;
    winevent_builder build;
} builders[] = {
    {SMB_FACT_CREATE, winevent_share_5145},
    {SMB_FACT_TREE_CONNECT, winevent_share_5140},
    {SMB_FACT_SERVICE, winevent_service_7045},
    {SMB_FACT_SERVICE, winevent_service_4697},
    {SMB_FACT_SERVICE, winevent_service_7040},
    {SMB_FACT_SERVICE, winevent_service_path_change},
    {SMB_FACT_TASK, winevent_task_4698},
};

size_t winevent_build(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (!f || !out)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < sizeof builders / sizeof builders[0] && n < max; i++) {
        if (builders[i].kind == f->h.kind)
            n += builders[i].build(f, peer, out + n, max - n);
    }
    return n;
}

const char *winevent_get(const win_event *e, const char *name)
{
    if (!e || !name)
        return NULL;
    /* the first byte first: most names differ there, and this runs for
     * every event written */
    for (size_t i = 0; i < e->nfields; i++) {
        if (e->fields[i].name[0] == name[0] && strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    }
    return NULL;
}
