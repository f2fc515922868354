#include "smb_ops.h"

#include <string.h>

#include "smb1_cmds.h"
#include "smb_rpc.h"

/* SMB1's commands are smb1_cmds.h's */
enum {
    SMB2_TREE_CONNECT = 0x0003,
    SMB2_CREATE = 0x0005
};

static bool is_create(uint8_t version, uint16_t cmd)
{
    if (version == 2)
        return cmd == SMB2_CREATE;
    return cmd <= 0xff && smb1_is_open((uint8_t)cmd);
}

/* The fact of a final response, with what its request said. */
static void op_fact(smb_conn *c, const smb_op *op, const smb_pending *p, smb_fact *f, smb_fact_kind kind)
{
    smb_fact_init(c, f, kind, op->version, op->command);
    f->h.message_id = op->message_id;
    f->h.session_id = op->session_id;
    f->h.tree_id = op->tree_id;
    f->h.have_response = true;
    f->h.status = op->status;
    if (p) {
        f->h.have_request = true;
        f->h.session_id = p->session_id;
        f->h.tree_id = p->tree_id;
    }
}

void smb_op_tree_connect(smb_conn *c, const smb_op *op, const smb_pending *p, smb_share_type type)
{
    smb_fact f;
    op_fact(c, op, p, &f, SMB_FACT_TREE_CONNECT);
    f.h.tree_id = op->tree_id; /* the response assigns it */
    smb_fact_set_tree(&f.u.tree, p && p->have_name ? p->name : NULL, type);
    if (op->status == SMB_STATUS_SUCCESS)
        smb_tree_connected(c, op->session_id, op->tree_id, &f.u.tree);
    smb_fact_who(c, &f);
    smb_emit(c, &f);
}

bool smb_op_create(smb_conn *c, const smb_op *op, const smb_pending *p, const uint8_t *fid, uint32_t action)
{
    smb_fact f;
    op_fact(c, op, p, &f, SMB_FACT_CREATE);
    smb_fact_create_request(&f.u.file, p);
    bool recorded = false;
    if (op->status == SMB_STATUS_SUCCESS && fid) {
        f.u.file.create_action = action;
        memcpy(f.u.file.file_id, fid, 16);
        f.u.file.have_file_id = true;
        smb_file *fe = smb_file_get(c, fid, true);
        if (fe) {
            /* an id used again without its CLOSE seen: a new file, a new pipe */
            smb_rpc_close(c, fe);
            fe->rpc_off = false;
            fe->session_id = f.h.session_id;
            fe->tree_id = f.h.tree_id;
            memcpy(fe->name, p->name, strlen(p->name) + 1);
            recorded = true;
        }
    }
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
    return recorded;
}

bool smb_op_admin_write(smb_conn *c, const smb_file *fe, uint64_t offset, const uint8_t *data, size_t len,
                        size_t missing)
{
    smb_tree *t = smb_tree_get(c, fe->session_id, fe->tree_id, false);
    if (!t || !t->have_name || !smb_share_is_admin(t->share))
        return false;
    if (c->write_hook) {
        smb_write_data w = {t->share, fe->name, fe->fid, fe->session_id, offset, data, len, missing};
        c->write_hook(c->sink.ctx, &w);
    }
    return true;
}

void smb_op_close(smb_conn *c, const smb_op *op, const smb_pending *p)
{
    smb_fact f;
    op_fact(c, op, p, &f, SMB_FACT_CLOSE);
    if (p && p->have_fid) {
        memcpy(f.u.file.file_id, p->fid, 16);
        f.u.file.have_file_id = true;
    }
    smb_file *fe = f.u.file.have_file_id ? smb_file_get(c, f.u.file.file_id, false) : NULL;
    if (fe) {
        f.u.file.filename = fe->name;
        if (f.h.tree_id == 0)
            f.h.tree_id = fe->tree_id;
    }
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
    if (fe && op->status == SMB_STATUS_SUCCESS) {
        smb_rpc_close(c, fe);
        smb_file_del(c, fe);
    }
}

void smb_op_tree_disconnect(smb_conn *c, const smb_op *op, const smb_pending *p)
{
    smb_fact f;
    op_fact(c, op, p, &f, SMB_FACT_TREE_DISCONNECT);
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
    if (op->status == SMB_STATUS_SUCCESS)
        smb_tree_del(c, smb_tree_get(c, f.h.session_id, f.h.tree_id, false));
}

void smb_op_logoff(smb_conn *c, const smb_op *op, const smb_pending *p)
{
    smb_fact f;
    op_fact(c, op, p, &f, SMB_FACT_LOGOFF);
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
}

void smb_op_unanswered(smb_conn *c, const smb_pending *p)
{
    smb_fact_kind kind;
    if ((p->version == 2 && p->command == SMB2_TREE_CONNECT) ||
        (p->version == 1 && p->command == SMB1_TREE_CONNECT_ANDX))
        kind = SMB_FACT_TREE_CONNECT;
    else if (is_create(p->version, p->command))
        kind = SMB_FACT_CREATE;
    else
        return;
    smb_fact f;
    smb_fact_init(c, &f, kind, p->version, p->command);
    f.h.have_request = true;
    f.h.message_id = p->message_id;
    f.h.session_id = p->session_id;
    f.h.tree_id = p->tree_id;
    if (kind == SMB_FACT_TREE_CONNECT) {
        /* the tree was never made: its name is the request's */
        smb_fact_set_tree(&f.u.tree, p->have_name ? p->name : NULL, SMB_SHARE_UNKNOWN);
        smb_fact_who(c, &f);
    } else {
        smb_fact_resolve(c, &f);
        smb_fact_create_request(&f.u.file, p);
    }
    smb_emit(c, &f);
}
