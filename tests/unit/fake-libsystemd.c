/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A libsystemd.so.0 without a single sd_* function: a broken install, as
 * test-dlopen-systemd.sh puts it in front of the real one. */
const int fake_libsystemd = 1;
