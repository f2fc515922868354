/* Names used in output for commands, statuses, dialects and dispositions. */
#include <stddef.h>

#include "smb_conn.h"

const char *smb2_command_name(uint16_t cmd)
{
    static const char *const names[] = {
        "SMB2_COMMAND_NEGOTIATE_PROTOCOL",
        "SMB2_COMMAND_SESSION_SETUP",
        "SMB2_COMMAND_SESSION_LOGOFF",
        "SMB2_COMMAND_TREE_CONNECT",
        "SMB2_COMMAND_TREE_DISCONNECT",
        "SMB2_COMMAND_CREATE",
        "SMB2_COMMAND_CLOSE",
        "SMB2_COMMAND_FLUSH",
        "SMB2_COMMAND_READ",
        "SMB2_COMMAND_WRITE",
        "SMB2_COMMAND_LOCK",
        "SMB2_COMMAND_IOCTL",
        "SMB2_COMMAND_CANCEL",
        "SMB2_COMMAND_KEEPALIVE",
        "SMB2_COMMAND_FIND",
        "SMB2_COMMAND_CHANGE_NOTIFY",
        "SMB2_COMMAND_GET_INFO",
        "SMB2_COMMAND_SET_INFO",
        "SMB2_COMMAND_OPLOCK_BREAK",
    };
    return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "SMB2_COMMAND_UNKNOWN";
}

const char *smb1_command_name(uint8_t cmd)
{
    static const struct {
        uint8_t code;
        const char *name;
    } names[] = {
        {0x00, "SMB1_COMMAND_CREATE_DIRECTORY"},
        {0x01, "SMB1_COMMAND_DELETE_DIRECTORY"},
        {0x02, "SMB1_COMMAND_OPEN"},
        {0x03, "SMB1_COMMAND_CREATE"},
        {0x04, "SMB1_COMMAND_CLOSE"},
        {0x05, "SMB1_COMMAND_FLUSH"},
        {0x06, "SMB1_COMMAND_DELETE"},
        {0x07, "SMB1_COMMAND_RENAME"},
        {0x08, "SMB1_COMMAND_QUERY_INFORMATION"},
        {0x09, "SMB1_COMMAND_SET_INFORMATION"},
        {0x0a, "SMB1_COMMAND_READ"},
        {0x0b, "SMB1_COMMAND_WRITE"},
        {0x0f, "SMB1_COMMAND_CREATE_NEW"},
        {0x24, "SMB1_COMMAND_LOCKING_ANDX"},
        {0x25, "SMB1_COMMAND_TRANS"},
        {0x2b, "SMB1_COMMAND_ECHO"},
        {0x2d, "SMB1_COMMAND_OPEN_ANDX"},
        {0x2e, "SMB1_COMMAND_READ_ANDX"},
        {0x2f, "SMB1_COMMAND_WRITE_ANDX"},
        {0x32, "SMB1_COMMAND_TRANS2"},
        {0x34, "SMB1_COMMAND_FIND_CLOSE2"},
        {0x70, "SMB1_COMMAND_TREE_CONNECT"},
        {0x71, "SMB1_COMMAND_TREE_DISCONNECT"},
        {0x72, "SMB1_COMMAND_NEGOTIATE_PROTOCOL"},
        {0x73, "SMB1_COMMAND_SESSION_SETUP_ANDX"},
        {0x74, "SMB1_COMMAND_LOGOFF_ANDX"},
        {0x75, "SMB1_COMMAND_TREE_CONNECT_ANDX"},
        {0xa0, "SMB1_COMMAND_NT_TRANS"},
        {0xa2, "SMB1_COMMAND_NT_CREATE_ANDX"},
        {0xa4, "SMB1_COMMAND_NT_CANCEL"},
        {0xff, "SMB1_COMMAND_NONE"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].code == cmd)
            return names[i].name;
    }
    return "SMB1_COMMAND_UNKNOWN";
}

const char *smb_status_name(uint32_t status)
{
    static const struct {
        uint32_t code;
        const char *name;
    } statuses[] = {
        {0x00000000, "STATUS_SUCCESS"},
        {0x00000103, "STATUS_PENDING"},
        {0x0000010B, "STATUS_NOTIFY_CLEANUP"},
        {0x0000010C, "STATUS_NOTIFY_ENUM_DIR"},
        {0x80000005, "STATUS_BUFFER_OVERFLOW"},
        {0x80000006, "STATUS_NO_MORE_FILES"},
        {0x8000002D, "STATUS_STOPPED_ON_SYMLINK"},
        {0xC0000001, "STATUS_UNSUCCESSFUL"},
        {0xC0000002, "STATUS_NOT_IMPLEMENTED"},
        {0xC0000003, "STATUS_INVALID_INFO_CLASS"},
        {0xC0000004, "STATUS_INFO_LENGTH_MISMATCH"},
        {0xC0000008, "STATUS_INVALID_HANDLE"},
        {0xC000000D, "STATUS_INVALID_PARAMETER"},
        {0xC000000E, "STATUS_NO_SUCH_DEVICE"},
        {0xC000000F, "STATUS_NO_SUCH_FILE"},
        {0xC0000010, "STATUS_INVALID_DEVICE_REQUEST"},
        {0xC0000011, "STATUS_END_OF_FILE"},
        {0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
        {0xC0000022, "STATUS_ACCESS_DENIED"},
        {0xC0000023, "STATUS_BUFFER_TOO_SMALL"},
        {0xC0000033, "STATUS_OBJECT_NAME_INVALID"},
        {0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
        {0xC0000035, "STATUS_OBJECT_NAME_COLLISION"},
        {0xC0000039, "STATUS_OBJECT_PATH_INVALID"},
        {0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND"},
        {0xC000003B, "STATUS_OBJECT_PATH_SYNTAX_BAD"},
        {0xC0000043, "STATUS_SHARING_VIOLATION"},
        {0xC0000054, "STATUS_FILE_LOCK_CONFLICT"},
        {0xC0000055, "STATUS_LOCK_NOT_GRANTED"},
        {0xC0000056, "STATUS_DELETE_PENDING"},
        {0xC0000061, "STATUS_PRIVILEGE_NOT_HELD"},
        {0xC000006A, "STATUS_WRONG_PASSWORD"},
        {0xC000006D, "STATUS_LOGON_FAILURE"},
        {0xC000006E, "STATUS_ACCOUNT_RESTRICTION"},
        {0xC000006F, "STATUS_INVALID_LOGON_HOURS"},
        {0xC0000070, "STATUS_INVALID_WORKSTATION"},
        {0xC0000071, "STATUS_PASSWORD_EXPIRED"},
        {0xC0000072, "STATUS_ACCOUNT_DISABLED"},
        {0xC000007E, "STATUS_RANGE_NOT_LOCKED"},
        {0xC000007F, "STATUS_DISK_FULL"},
        {0xC000009A, "STATUS_INSUFFICIENT_RESOURCES"},
        {0xC00000A2, "STATUS_MEDIA_WRITE_PROTECTED"},
        {0xC00000AC, "STATUS_PIPE_NOT_AVAILABLE"},
        {0xC00000AD, "STATUS_INVALID_PIPE_STATE"},
        {0xC00000AE, "STATUS_PIPE_BUSY"},
        {0xC00000B0, "STATUS_PIPE_DISCONNECTED"},
        {0xC00000B1, "STATUS_PIPE_CLOSING"},
        {0xC00000B5, "STATUS_IO_TIMEOUT"},
        {0xC00000BA, "STATUS_FILE_IS_A_DIRECTORY"},
        {0xC00000BB, "STATUS_NOT_SUPPORTED"},
        {0xC00000BE, "STATUS_BAD_NETWORK_PATH"},
        {0xC00000C3, "STATUS_INVALID_NETWORK_RESPONSE"},
        {0xC00000C9, "STATUS_NETWORK_NAME_DELETED"},
        {0xC00000CA, "STATUS_NETWORK_ACCESS_DENIED"},
        {0xC00000CC, "STATUS_BAD_NETWORK_NAME"},
        {0xC00000D0, "STATUS_REQUEST_NOT_ACCEPTED"},
        {0xC0000101, "STATUS_DIRECTORY_NOT_EMPTY"},
        {0xC0000103, "STATUS_NOT_A_DIRECTORY"},
        {0xC0000120, "STATUS_CANCELLED"},
        {0xC0000128, "STATUS_FILE_CLOSED"},
        {0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED"},
        {0xC0000184, "STATUS_INVALID_DEVICE_STATE"},
        {0xC000018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE"},
        {0xC0000193, "STATUS_ACCOUNT_EXPIRED"},
        {0xC0000203, "STATUS_USER_SESSION_DELETED"},
        {0xC0000224, "STATUS_PASSWORD_MUST_CHANGE"},
        {0xC0000225, "STATUS_NOT_FOUND"},
        {0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT"},
        {0xC0000257, "STATUS_PATH_NOT_COVERED"},
        {0xC000035C, "STATUS_NETWORK_SESSION_EXPIRED"},
        {0xC000A100, "STATUS_HASH_NOT_SUPPORTED"},
        {0xC000A101, "STATUS_HASH_NOT_PRESENT"},
    };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].code == status)
            return statuses[i].name;
    }
    return NULL;
}

const char *smb_dialect_name(uint16_t dialect)
{
    static const struct {
        uint16_t code;
        const char *name;
    } dialects[] = {
        {0x0001, "NT LM 0.12"}, {0x0202, "2.02"}, {0x0210, "2.10"}, {0x0222, "2.22"}, {0x0224, "2.24"},
        {0x02FF, "2.??"},       {0x0300, "3.00"}, {0x0302, "3.02"}, {0x0310, "3.10"}, {0x0311, "3.11"},
    };
    for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
        if (dialects[i].code == dialect)
            return dialects[i].name;
    }
    return NULL;
}

const char *smb_disposition_name(uint32_t disp)
{
    static const char *const names[] = {"FILE_SUPERSEDE", "FILE_OPEN",      "FILE_CREATE",
                                        "FILE_OPEN_IF",   "FILE_OVERWRITE", "FILE_OVERWRITE_IF"};
    return disp < 6 ? names[disp] : NULL;
}
