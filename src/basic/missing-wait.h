/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/wait.h>

/* waitid() on a pidfd (Linux 5.4): older C library headers lack it. */
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
