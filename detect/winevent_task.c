/* 4698 rebuilt from task scheduler facts. */
#include "winevent_task.h"

#include "winevent_families.h"
#include "winevent_fields.h"
#include "winevent_share.h"

#include <string.h>

/* Opnums (protocols/tsch.h; detect/ reads facts only). */
#define OP_REGISTER_TASK 1
#define OP_JOB_ADD 0

#define CAP_NAME 1025
#define CAP_COMPUTER 257

size_t winevent_task_4698(const smb_fact *f, const win_peer *peer, win_event *out, size_t max)
{
    if (max == 0 || f->h.kind != SMB_FACT_TASK)
        return 0;
    const smb_fact_task *t = &f->u.task;
    bool created = t->atsvc ? t->opnum == OP_JOB_ADD : t->opnum == OP_REGISTER_TASK;
    if (!created || !f->h.have_response || t->encrypted || t->fault || !t->have_return || t->return_code != 0 ||
        !t->name)
        return 0;
    const char *content = t->atsvc ? t->command : t->xml;
    if (!content)
        content = "";
    size_t content_len = strlen(content);
    /* Windows writes the definition it parsed and stored: nothing follows the root element, where
     * clients send a newline and indentation after </Task> (impacket's atexec.py does) */
    if (!t->atsvc)
        while (content_len && strchr(" \t\r\n", content[content_len - 1]))
            content_len--;
    win_event *e = out;
    wf_begin(e, &WIN_EVENT_4698);
    wf_subject(e, &f->h);
    wf_value(e, wf_put(e, t->name, CAP_NAME));
    /* the definition is the longest value: it takes what the others leave */
    size_t room = wf_room(e);
    wf_value(e, wf_putn(e, content, content_len, room > CAP_COMPUTER ? room - CAP_COMPUTER : 1));
    wf_finish(e, winevent_computer(e, peer, t->pipe.tree.share));
    return 1;
}
