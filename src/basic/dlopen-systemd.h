/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libsystemd, loaded on its first use.
 *
 * libsystemd brings libgcrypt, libgpg-error, liblzma, libzstd and liblz4:
 * linked, the dynamic loader maps and relocates them at every start of
 * sandboxctl (~2 ms of a ~20 ms `sandboxctl run`), though most verbs, and
 * `sandboxctl run` without Network=service:, never call it. So no program
 * links it, and this is the one header of the project that includes
 * systemd's: it takes their prototypes and types, then turns every sd_*
 * function the project uses into a macro that loads the library if it is
 * not loaded yet and calls through a pointer of the function's own type
 * (calls and uses as a function pointer both work). A few names get an
 * inline stand-in instead, below, each saying why. A function missing from
 * DLOPEN_SYSTEMD_SYMBOLS is called directly and fails to link, so no call
 * site can bypass the loader. tests/unit/test-layering.py refuses a direct
 * #include <systemd/sd-*.h> elsewhere. */

/* Our CODE_FILE/CODE_LINE/CODE_FUNC are the caller's (log.c); without this,
 * sd_journal_sendv() is a macro of sd-journal's that adds a second set
 * pointing at the caller. */
#ifndef SD_JOURNAL_SUPPRESS_LOCATION
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "dlopen-util.h"
#include "macro.h"

/* Every function of libsystemd the project calls, sorted. */
#define DLOPEN_SYSTEMD_SYMBOLS(X) \
        X(sd_bus_add_fallback_vtable) \
        X(sd_bus_add_filter) \
        X(sd_bus_add_node_enumerator) \
        X(sd_bus_add_object_vtable) \
        X(sd_bus_attach_event) \
        X(sd_bus_call) \
        X(sd_bus_call_method) \
        X(sd_bus_close_unref) \
        X(sd_bus_creds_get_egid) \
        X(sd_bus_creds_get_euid) \
        X(sd_bus_creds_get_supplementary_gids) \
        X(sd_bus_creds_unref) \
        X(sd_bus_detach_event) \
        X(sd_bus_emit_properties_changed) \
        X(sd_bus_emit_signal) \
        X(sd_bus_error_free) \
        X(sd_bus_error_has_name) \
        X(sd_bus_error_has_names_sentinel) \
        X(sd_bus_error_is_set) \
        X(sd_bus_error_set) \
        X(sd_bus_error_set_errnof) \
        X(sd_bus_error_setf) \
        X(sd_bus_flush_close_unref) \
        X(sd_bus_get_event) \
        X(sd_bus_get_fd) \
        X(sd_bus_get_n_queued_read) \
        X(sd_bus_get_n_queued_write) \
        X(sd_bus_get_property_string) \
        X(sd_bus_get_property_strv) \
        X(sd_bus_get_property_trivial) \
        X(sd_bus_is_bus_client) \
        X(sd_bus_is_open) \
        X(sd_bus_match_signal) \
        X(sd_bus_message_append) \
        X(sd_bus_message_append_strv) \
        X(sd_bus_message_appendv) \
        X(sd_bus_message_close_container) \
        X(sd_bus_message_enter_container) \
        X(sd_bus_message_exit_container) \
        X(sd_bus_message_get_bus) \
        X(sd_bus_message_get_member) \
        X(sd_bus_message_get_sender) \
        X(sd_bus_message_new_method_call) \
        X(sd_bus_message_new_method_return) \
        X(sd_bus_message_open_container) \
        X(sd_bus_message_peek_type) \
        X(sd_bus_message_read) \
        X(sd_bus_message_read_array) \
        X(sd_bus_message_read_basic) \
        X(sd_bus_message_read_strv) \
        X(sd_bus_message_ref) \
        X(sd_bus_message_skip) \
        X(sd_bus_message_unref) \
        X(sd_bus_negotiate_fds) \
        X(sd_bus_new) \
        X(sd_bus_open_system) \
        X(sd_bus_open_system_with_description) \
        X(sd_bus_path_decode) \
        X(sd_bus_path_encode) \
        X(sd_bus_process) \
        X(sd_bus_query_sender_creds) \
        X(sd_bus_ref) \
        X(sd_bus_reply_method_errnof) \
        X(sd_bus_reply_method_error) \
        X(sd_bus_reply_method_errorf) \
        X(sd_bus_reply_method_return) \
        X(sd_bus_request_name) \
        X(sd_bus_send) \
        X(sd_bus_set_address) \
        X(sd_bus_set_anonymous) \
        X(sd_bus_set_description) \
        X(sd_bus_set_fd) \
        X(sd_bus_set_server) \
        X(sd_bus_slot_unref) \
        X(sd_bus_start) \
        X(sd_bus_unref) \
        X(sd_bus_wait) \
        X(sd_event_add_defer) \
        X(sd_event_add_inotify_fd) \
        X(sd_event_add_io) \
        X(sd_event_add_signal) \
        X(sd_event_add_time) \
        X(sd_event_add_time_relative) \
        X(sd_event_default) \
        X(sd_event_exit) \
        X(sd_event_loop) \
        X(sd_event_now) \
        X(sd_event_run) \
        X(sd_event_set_watchdog) \
        X(sd_event_source_disable_unref) \
        X(sd_event_source_get_event) \
        X(sd_event_source_set_description) \
        X(sd_event_source_set_enabled) \
        X(sd_event_source_set_priority) \
        X(sd_event_source_set_ratelimit) \
        X(sd_event_unref) \
        X(sd_id128_get_boot) \
        X(sd_id128_randomize) \
        X(sd_id128_to_string) \
        X(sd_journal_add_disjunction) \
        X(sd_journal_add_match) \
        X(sd_journal_close) \
        X(sd_journal_flush_matches) \
        X(sd_journal_get_cursor) \
        X(sd_journal_get_data) \
        X(sd_journal_get_realtime_usec) \
        X(sd_journal_next) \
        X(sd_journal_open) \
        X(sd_journal_previous) \
        X(sd_journal_previous_skip) \
        X(sd_journal_seek_cursor) \
        X(sd_journal_seek_head) \
        X(sd_journal_seek_realtime_usec) \
        X(sd_journal_seek_tail) \
        X(sd_journal_sendv) \
        X(sd_journal_stream_fd) \
        X(sd_journal_test_cursor) \
        X(sd_journal_wait) \
        X(sd_notify) \
        X(sd_notifyf)

#define DLOPEN_SYSTEMD_PROTOTYPE(symbol) DLSYM_PROTOTYPE(symbol);
DLOPEN_SYSTEMD_SYMBOLS(DLOPEN_SYSTEMD_PROTOTYPE)
#undef DLOPEN_SYSTEMD_PROTOTYPE

extern bool dlopen_systemd_loaded;

/* Resolves every symbol of the list. libsystemd0 is a dependency of the
 * package, so failure means a broken install: it prints which library or
 * symbol is missing and exits the process. */
void dlopen_systemd_load_or_die(void);

static inline void dlopen_systemd_or_die(void) {
        if (_unlikely_(!dlopen_systemd_loaded))
                dlopen_systemd_load_or_die();
}

/* cppcheck (tools/test.sh static) takes a call through a pointer for one
 * that may read what its arguments point to, and would see every
 * out-parameter (sd_bus_message_read(m, "s", &s)) as read before it is
 * set. So it checks the calls against systemd's prototypes, as linked
 * (tools/cppcheck/sandboxd.cfg defines SANDBOXD_CPPCHECK). */
#ifndef SANDBOXD_CPPCHECK
#define sd_bus_add_fallback_vtable (dlopen_systemd_or_die(), sym_sd_bus_add_fallback_vtable)
#define sd_bus_add_filter (dlopen_systemd_or_die(), sym_sd_bus_add_filter)
#define sd_bus_add_node_enumerator (dlopen_systemd_or_die(), sym_sd_bus_add_node_enumerator)
#define sd_bus_add_object_vtable (dlopen_systemd_or_die(), sym_sd_bus_add_object_vtable)
#define sd_bus_attach_event (dlopen_systemd_or_die(), sym_sd_bus_attach_event)
#define sd_bus_call (dlopen_systemd_or_die(), sym_sd_bus_call)
#define sd_bus_call_method (dlopen_systemd_or_die(), sym_sd_bus_call_method)
#define sd_bus_close_unref (dlopen_systemd_or_die(), sym_sd_bus_close_unref)
#define sd_bus_creds_get_egid (dlopen_systemd_or_die(), sym_sd_bus_creds_get_egid)
#define sd_bus_creds_get_euid (dlopen_systemd_or_die(), sym_sd_bus_creds_get_euid)
#define sd_bus_creds_get_supplementary_gids (dlopen_systemd_or_die(), sym_sd_bus_creds_get_supplementary_gids)
#define sd_bus_creds_unref (dlopen_systemd_or_die(), sym_sd_bus_creds_unref)
#define sd_bus_detach_event (dlopen_systemd_or_die(), sym_sd_bus_detach_event)
#define sd_bus_emit_properties_changed (dlopen_systemd_or_die(), sym_sd_bus_emit_properties_changed)
#define sd_bus_emit_signal (dlopen_systemd_or_die(), sym_sd_bus_emit_signal)
#define sd_bus_error_has_name (dlopen_systemd_or_die(), sym_sd_bus_error_has_name)
#define sd_bus_error_has_names_sentinel (dlopen_systemd_or_die(), sym_sd_bus_error_has_names_sentinel)
#define sd_bus_error_is_set (dlopen_systemd_or_die(), sym_sd_bus_error_is_set)
#define sd_bus_error_set (dlopen_systemd_or_die(), sym_sd_bus_error_set)
#define sd_bus_error_set_errnof (dlopen_systemd_or_die(), sym_sd_bus_error_set_errnof)
#define sd_bus_error_setf (dlopen_systemd_or_die(), sym_sd_bus_error_setf)
#define sd_bus_flush_close_unref (dlopen_systemd_or_die(), sym_sd_bus_flush_close_unref)
#define sd_bus_get_event (dlopen_systemd_or_die(), sym_sd_bus_get_event)
#define sd_bus_get_fd (dlopen_systemd_or_die(), sym_sd_bus_get_fd)
#define sd_bus_get_n_queued_read (dlopen_systemd_or_die(), sym_sd_bus_get_n_queued_read)
#define sd_bus_get_n_queued_write (dlopen_systemd_or_die(), sym_sd_bus_get_n_queued_write)
#define sd_bus_get_property_string (dlopen_systemd_or_die(), sym_sd_bus_get_property_string)
#define sd_bus_get_property_strv (dlopen_systemd_or_die(), sym_sd_bus_get_property_strv)
#define sd_bus_get_property_trivial (dlopen_systemd_or_die(), sym_sd_bus_get_property_trivial)
#define sd_bus_is_bus_client (dlopen_systemd_or_die(), sym_sd_bus_is_bus_client)
#define sd_bus_is_open (dlopen_systemd_or_die(), sym_sd_bus_is_open)
#define sd_bus_match_signal (dlopen_systemd_or_die(), sym_sd_bus_match_signal)
#define sd_bus_message_append (dlopen_systemd_or_die(), sym_sd_bus_message_append)
#define sd_bus_message_append_strv (dlopen_systemd_or_die(), sym_sd_bus_message_append_strv)
#define sd_bus_message_appendv (dlopen_systemd_or_die(), sym_sd_bus_message_appendv)
#define sd_bus_message_close_container (dlopen_systemd_or_die(), sym_sd_bus_message_close_container)
#define sd_bus_message_enter_container (dlopen_systemd_or_die(), sym_sd_bus_message_enter_container)
#define sd_bus_message_exit_container (dlopen_systemd_or_die(), sym_sd_bus_message_exit_container)
#define sd_bus_message_get_bus (dlopen_systemd_or_die(), sym_sd_bus_message_get_bus)
#define sd_bus_message_get_member (dlopen_systemd_or_die(), sym_sd_bus_message_get_member)
#define sd_bus_message_get_sender (dlopen_systemd_or_die(), sym_sd_bus_message_get_sender)
#define sd_bus_message_new_method_call (dlopen_systemd_or_die(), sym_sd_bus_message_new_method_call)
#define sd_bus_message_new_method_return (dlopen_systemd_or_die(), sym_sd_bus_message_new_method_return)
#define sd_bus_message_open_container (dlopen_systemd_or_die(), sym_sd_bus_message_open_container)
#define sd_bus_message_peek_type (dlopen_systemd_or_die(), sym_sd_bus_message_peek_type)
#define sd_bus_message_read (dlopen_systemd_or_die(), sym_sd_bus_message_read)
#define sd_bus_message_read_array (dlopen_systemd_or_die(), sym_sd_bus_message_read_array)
#define sd_bus_message_read_basic (dlopen_systemd_or_die(), sym_sd_bus_message_read_basic)
#define sd_bus_message_read_strv (dlopen_systemd_or_die(), sym_sd_bus_message_read_strv)
#define sd_bus_message_ref (dlopen_systemd_or_die(), sym_sd_bus_message_ref)
#define sd_bus_message_skip (dlopen_systemd_or_die(), sym_sd_bus_message_skip)
#define sd_bus_message_unref (dlopen_systemd_or_die(), sym_sd_bus_message_unref)
#define sd_bus_negotiate_fds (dlopen_systemd_or_die(), sym_sd_bus_negotiate_fds)
#define sd_bus_new (dlopen_systemd_or_die(), sym_sd_bus_new)
#define sd_bus_open_system (dlopen_systemd_or_die(), sym_sd_bus_open_system)
#define sd_bus_open_system_with_description (dlopen_systemd_or_die(), sym_sd_bus_open_system_with_description)
#define sd_bus_path_decode (dlopen_systemd_or_die(), sym_sd_bus_path_decode)
#define sd_bus_path_encode (dlopen_systemd_or_die(), sym_sd_bus_path_encode)
#define sd_bus_process (dlopen_systemd_or_die(), sym_sd_bus_process)
#define sd_bus_query_sender_creds (dlopen_systemd_or_die(), sym_sd_bus_query_sender_creds)
#define sd_bus_ref (dlopen_systemd_or_die(), sym_sd_bus_ref)
#define sd_bus_reply_method_errnof (dlopen_systemd_or_die(), sym_sd_bus_reply_method_errnof)
#define sd_bus_reply_method_error (dlopen_systemd_or_die(), sym_sd_bus_reply_method_error)
#define sd_bus_reply_method_errorf (dlopen_systemd_or_die(), sym_sd_bus_reply_method_errorf)
#define sd_bus_reply_method_return (dlopen_systemd_or_die(), sym_sd_bus_reply_method_return)
#define sd_bus_request_name (dlopen_systemd_or_die(), sym_sd_bus_request_name)
#define sd_bus_send (dlopen_systemd_or_die(), sym_sd_bus_send)
#define sd_bus_set_address (dlopen_systemd_or_die(), sym_sd_bus_set_address)
#define sd_bus_set_anonymous (dlopen_systemd_or_die(), sym_sd_bus_set_anonymous)
#define sd_bus_set_description (dlopen_systemd_or_die(), sym_sd_bus_set_description)
#define sd_bus_set_fd (dlopen_systemd_or_die(), sym_sd_bus_set_fd)
#define sd_bus_set_server (dlopen_systemd_or_die(), sym_sd_bus_set_server)
#define sd_bus_slot_unref (dlopen_systemd_or_die(), sym_sd_bus_slot_unref)
#define sd_bus_start (dlopen_systemd_or_die(), sym_sd_bus_start)
#define sd_bus_unref (dlopen_systemd_or_die(), sym_sd_bus_unref)
#define sd_bus_wait (dlopen_systemd_or_die(), sym_sd_bus_wait)
#define sd_event_add_defer (dlopen_systemd_or_die(), sym_sd_event_add_defer)
#define sd_event_add_inotify_fd (dlopen_systemd_or_die(), sym_sd_event_add_inotify_fd)
#define sd_event_add_io (dlopen_systemd_or_die(), sym_sd_event_add_io)
#define sd_event_add_signal (dlopen_systemd_or_die(), sym_sd_event_add_signal)
#define sd_event_add_time (dlopen_systemd_or_die(), sym_sd_event_add_time)
#define sd_event_add_time_relative (dlopen_systemd_or_die(), sym_sd_event_add_time_relative)
#define sd_event_default (dlopen_systemd_or_die(), sym_sd_event_default)
#define sd_event_exit (dlopen_systemd_or_die(), sym_sd_event_exit)
#define sd_event_loop (dlopen_systemd_or_die(), sym_sd_event_loop)
#define sd_event_now (dlopen_systemd_or_die(), sym_sd_event_now)
#define sd_event_run (dlopen_systemd_or_die(), sym_sd_event_run)
#define sd_event_set_watchdog (dlopen_systemd_or_die(), sym_sd_event_set_watchdog)
#define sd_event_source_disable_unref (dlopen_systemd_or_die(), sym_sd_event_source_disable_unref)
#define sd_event_source_get_event (dlopen_systemd_or_die(), sym_sd_event_source_get_event)
#define sd_event_source_set_description (dlopen_systemd_or_die(), sym_sd_event_source_set_description)
#define sd_event_source_set_enabled (dlopen_systemd_or_die(), sym_sd_event_source_set_enabled)
#define sd_event_source_set_priority (dlopen_systemd_or_die(), sym_sd_event_source_set_priority)
#define sd_event_source_set_ratelimit (dlopen_systemd_or_die(), sym_sd_event_source_set_ratelimit)
#define sd_event_unref (dlopen_systemd_or_die(), sym_sd_event_unref)
#define sd_id128_get_boot (dlopen_systemd_or_die(), sym_sd_id128_get_boot)
#define sd_id128_randomize (dlopen_systemd_or_die(), sym_sd_id128_randomize)
#define sd_id128_to_string (dlopen_systemd_or_die(), sym_sd_id128_to_string)
#define sd_journal_add_disjunction (dlopen_systemd_or_die(), sym_sd_journal_add_disjunction)
#define sd_journal_add_match (dlopen_systemd_or_die(), sym_sd_journal_add_match)
#define sd_journal_close (dlopen_systemd_or_die(), sym_sd_journal_close)
#define sd_journal_flush_matches (dlopen_systemd_or_die(), sym_sd_journal_flush_matches)
#define sd_journal_get_cursor (dlopen_systemd_or_die(), sym_sd_journal_get_cursor)
#define sd_journal_get_data (dlopen_systemd_or_die(), sym_sd_journal_get_data)
#define sd_journal_get_realtime_usec (dlopen_systemd_or_die(), sym_sd_journal_get_realtime_usec)
#define sd_journal_next (dlopen_systemd_or_die(), sym_sd_journal_next)
#define sd_journal_open (dlopen_systemd_or_die(), sym_sd_journal_open)
#define sd_journal_previous (dlopen_systemd_or_die(), sym_sd_journal_previous)
#define sd_journal_previous_skip (dlopen_systemd_or_die(), sym_sd_journal_previous_skip)
#define sd_journal_seek_cursor (dlopen_systemd_or_die(), sym_sd_journal_seek_cursor)
#define sd_journal_seek_head (dlopen_systemd_or_die(), sym_sd_journal_seek_head)
#define sd_journal_seek_realtime_usec (dlopen_systemd_or_die(), sym_sd_journal_seek_realtime_usec)
#define sd_journal_seek_tail (dlopen_systemd_or_die(), sym_sd_journal_seek_tail)
#define sd_journal_sendv (dlopen_systemd_or_die(), sym_sd_journal_sendv)
#define sd_journal_stream_fd (dlopen_systemd_or_die(), sym_sd_journal_stream_fd)
#define sd_journal_test_cursor (dlopen_systemd_or_die(), sym_sd_journal_test_cursor)
#define sd_journal_wait (dlopen_systemd_or_die(), sym_sd_journal_wait)
#define sd_notify (dlopen_systemd_or_die(), sym_sd_notify)
#define sd_notifyf (dlopen_systemd_or_die(), sym_sd_notifyf)
#endif

/* An object-like macro to an inline function, not to an expression: it is
 * also a _cleanup_ handler, which must be a function's name. An unset error
 * (both fields NULL) is a no-op for sd_bus_error_free(3), so the cleanup of
 * an error that nothing touched loads nothing. */
static inline void dlopen_sd_bus_error_free(sd_bus_error *e) {
        if (!e || (!e->name && !e->message))
                return;
        dlopen_systemd_or_die();
        sym_sd_bus_error_free(e);
}
#define sd_bus_error_free dlopen_sd_bus_error_free

/* sd_booted(3) is documented as a test for the directory systemd makes at
 * boot; done here, picking the cgroup driver (every `sandboxctl run`)
 * loads nothing on a host without systemd. */
static inline int dlopen_sd_booted(void) {
        if (faccessat(AT_FDCWD, "/run/systemd/system/", F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 1;
        return errno == ENOENT ? 0 : -errno;
}
#define sd_booted dlopen_sd_booted

/* SD_BUS_VTABLE_START puts the address of this libsystemd variable into
 * static vtables, where no dlsym()ed pointer can go. libsystemd reads
 * only whether the pointer is NULL (NULL: a vtable without parameter
 * names); the variable exists so that such a program fails to link
 * against a libsystemd older than the vtable format. Ours stands in. */
extern const unsigned dlopen_sd_bus_object_vtable_format;
#define sd_bus_object_vtable_format dlopen_sd_bus_object_vtable_format

/* systemd's headers define the *p cleanup helpers as static inline
 * functions that call the real symbols; ours take their names and call
 * through the pointers. A NULL object loads nothing. */
#define DLOPEN_SYSTEMD_CLEANUP(type, func)                      \
        static inline void dlopen_##func##p(type **p) {         \
                if (*p)                                         \
                        (void) func(*p);                        \
        }
DLOPEN_SYSTEMD_CLEANUP(sd_bus, sd_bus_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_bus, sd_bus_close_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_bus, sd_bus_flush_close_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_bus_slot, sd_bus_slot_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_bus_message, sd_bus_message_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_bus_creds, sd_bus_creds_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_event, sd_event_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_event_source, sd_event_source_disable_unref)
DLOPEN_SYSTEMD_CLEANUP(sd_journal, sd_journal_close)
#undef DLOPEN_SYSTEMD_CLEANUP
#define sd_bus_unrefp dlopen_sd_bus_unrefp
#define sd_bus_close_unrefp dlopen_sd_bus_close_unrefp
#define sd_bus_flush_close_unrefp dlopen_sd_bus_flush_close_unrefp
#define sd_bus_slot_unrefp dlopen_sd_bus_slot_unrefp
#define sd_bus_message_unrefp dlopen_sd_bus_message_unrefp
#define sd_bus_creds_unrefp dlopen_sd_bus_creds_unrefp
#define sd_event_unrefp dlopen_sd_event_unrefp
#define sd_event_source_disable_unrefp dlopen_sd_event_source_disable_unrefp
#define sd_journal_closep dlopen_sd_journal_closep
